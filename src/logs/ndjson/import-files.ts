import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, realpathSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { LineIngester } from './ingest-body.js';
import type { ImportMark } from './ledger-options.js';
import { readNdjsonLines } from './line-reader.js';
import { type IngestError, MAX_INGEST_ERRORS, type NdjsonLine } from './ndjson-line.js';

export const STDIN_PATH = '-';

export interface ImportProgress {
  /** The input being read ('-' for stdin). */
  file: string;
  linesRead: number;
  accepted: number;
  rejected: number;
  /** Bytes read from the inputs (compressed bytes for gzip). */
  bytesRead: number;
  /** Size of all named files together; undefined when stdin is among the inputs. */
  totalBytes: number | undefined;
  elapsedMs: number;
  linesPerSecond: number;
}

export interface ImportSummary {
  files: { file: string; linesRead: number; accepted: number; rejected: number; skipped: number }[];
  linesRead: number;
  accepted: number;
  rejected: number;
  /** Lines an earlier run of the same files had already committed: read again, not stored again. */
  skipped: number;
  bytesRead: number;
  elapsedMs: number;
  linesPerSecond: number;
  /** The first rejected lines, with their file, line number and reason. */
  errors: IngestError[];
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** Minimum time between two progress calls (the last one always comes). Default 250 ms. */
  progressIntervalMs?: number;
  /** Lines stored per transaction. Default 5,000. */
  chunkLines?: number;
  maxLineLength?: number;
  /** What '-' reads; default process.stdin. */
  stdin?: Readable;
}

/** A file that cannot be opened, or an input that breaks off while being read. */
export class ImportError extends Error {
  constructor(
    message: string,
    /** What was stored before the failure (it stays stored). */
    readonly partial: ImportSummary,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

/**
 * `lagwatch logs:import <file...>`: streams NDJSON files (gzip detected by magic bytes; '-'
 * is stdin) into the store, one transaction per chunk of lines. Every file is checked before
 * the first line is read. Each chunk commits with the number of lines of its file done so
 * far, so a run killed half-way and run again skips what was committed: each line is stored
 * once (stdin, which has no name to remember, is stored again).
 */
export async function importFiles(
  store: LineIngester,
  paths: readonly string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const chunkLines = options.chunkLines ?? 5000;
  const started = performance.now();
  const summary: ImportSummary = {
    files: [],
    linesRead: 0,
    accepted: 0,
    rejected: 0,
    skipped: 0,
    bytesRead: 0,
    elapsedMs: 0,
    linesPerSecond: 0,
    errors: [],
  };
  const totalBytes = sizeOfInputs(paths, summary);
  let lastProgress = Number.NEGATIVE_INFINITY;
  const elapsed = () => {
    summary.elapsedMs = performance.now() - started;
    summary.linesPerSecond = summary.elapsedMs > 0 ? Math.round((summary.linesRead * 1000) / summary.elapsedMs) : 0;
  };
  const report = (file: string, force: boolean) => {
    if (!options.onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < (options.progressIntervalMs ?? 250)) return;
    lastProgress = now;
    elapsed();
    const { linesRead, accepted, rejected, bytesRead, elapsedMs, linesPerSecond } = summary;
    options.onProgress({ file, linesRead, accepted, rejected, bytesRead, totalBytes, elapsedMs, linesPerSecond });
  };

  for (const file of paths) {
    const fileSummary = { file, linesRead: 0, accepted: 0, rejected: 0, skipped: 0 };
    summary.files.push(fileSummary);
    const resume = file === STDIN_PATH ? undefined : resumePoint(store, file);
    const source =
      file === STDIN_PATH ? (options.stdin ?? process.stdin) : createReadStream(file, { highWaterMark: 1 << 20 });
    let chunk: NdjsonLine[] = [];
    const flush = () => {
      const importMark = resume && { ...resume.head, lines: fileSummary.linesRead };
      const result = store.ingestLines(chunk, { importMark });
      chunk = [];
      for (const target of [summary, fileSummary]) {
        target.accepted += result.accepted;
        target.rejected += result.rejected;
      }
      for (const error of result.errors) {
        if (summary.errors.length < MAX_INGEST_ERRORS) summary.errors.push({ ...error, file });
      }
      report(file, false);
    };
    try {
      const lines = readNdjsonLines(source, {
        maxLineLength: options.maxLineLength,
        onRead: (bytes) => {
          summary.bytesRead += bytes;
        },
      });
      for await (const batch of lines) {
        for (const line of batch) {
          summary.linesRead++;
          fileSummary.linesRead++;
          if (resume && fileSummary.linesRead <= resume.committedLines) {
            summary.skipped++;
            fileSummary.skipped++;
            continue;
          }
          chunk.push(line);
          if (chunk.length >= chunkLines) flush();
        }
      }
      if (chunk.length > 0) flush();
    } catch (error) {
      elapsed();
      const name = file === STDIN_PATH ? 'stdin' : file;
      throw new ImportError(`${name}: ${(error as Error).message}`, summary);
    }
  }
  elapsed();
  report(paths[paths.length - 1] ?? STDIN_PATH, true);
  return summary;
}

/**
 * Where to resume a file: an earlier run's mark counts when the file still begins with the
 * bytes that run saw (a file replaced under the same name starts from its first line). The
 * head is at most 64 KiB, so a file that grew since keeps its mark.
 */
function resumePoint(store: LineIngester, file: string): { head: Omit<ImportMark, 'lines'>; committedLines: number } {
  const path = realpathSync(file);
  const head = headOf(path, HEAD_BYTES);
  const headMark = { path, headBytes: head.length, headSha256: sha256(head) };
  const mark = store.importMark?.(path);
  if (!mark || mark.headBytes > head.length) return { head: headMark, committedLines: 0 };
  const same = sha256(head.subarray(0, mark.headBytes)) === mark.headSha256;
  return { head: headMark, committedLines: same ? mark.lines : 0 };
}

const HEAD_BYTES = 64 * 1024;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function headOf(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function sizeOfInputs(paths: readonly string[], summary: ImportSummary): number | undefined {
  if (paths.length === 0) throw new ImportError('no input named', summary);
  let total: number | undefined = 0;
  const problems: string[] = [];
  for (const path of paths) {
    if (path === STDIN_PATH) {
      total = undefined;
      continue;
    }
    try {
      const stat = statSync(path);
      if (!stat.isFile()) problems.push(`${path}: not a file`);
      else if (total !== undefined) total += stat.size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push(`${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  }
  if (paths.filter((path) => path === STDIN_PATH).length > 1) problems.push('stdin (-) named more than once');
  if (problems.length > 0) throw new ImportError(problems.join('; '), summary);
  return total;
}
