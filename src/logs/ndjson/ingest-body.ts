import { Readable } from 'node:stream';
import { ByteLineSplitter } from './byte-line-splitter.js';
import { decodedChunks, isGzip } from './input-stream.js';
import type { ImportMark, LedgerOptions } from './ledger-options.js';
import { DEFAULT_MAX_LINE_LENGTH } from './line-splitter.js';
import type { IngestResult, NdjsonLine } from './ndjson-line.js';

export const DEFAULT_INGEST_MAX_BYTES = 32 * 1024 * 1024;
export const DEFAULT_INGEST_MAX_LINES = 1_000_000;

/**
 * Decoded text is split in pieces of at most this many bytes, so one batch of lines holds at
 * most this many (a body of one-byte lines makes a line object of every two bytes).
 */
const SPLIT_BYTES = 64 * 1024;

/** What ingestBody needs from a store (EmbeddedLogStore has it). */
export interface LineIngester {
  ingestLines(lines: Iterable<NdjsonLine>, options?: LedgerOptions): IngestResult;
  /** One transaction over lines that arrive in batches; a failing source stores nothing. */
  ingestLineStream(batches: AsyncIterable<readonly NdjsonLine[]>, options?: LedgerOptions): Promise<IngestResult>;
  /** Where an earlier import of this path stopped (stores that record import progress). */
  importMark?(path: string): ImportMark | undefined;
  /** INGEST_MAX_BYTES, used when the options name no limit. */
  readonly ingestMaxBytes?: number;
  /** INGEST_MAX_LINES, used when the options name no limit. */
  readonly ingestMaxLines?: number;
}

export interface IngestBodyOptions {
  /** true: the body must be gzip (Content-Encoding: gzip); otherwise gzip is detected by magic bytes. */
  gzip?: boolean;
  /** Limit on the NDJSON after decompression (the HTTP layer limits the bytes on the wire). */
  maxBytes?: number;
  /** Limit on the lines (blank ones too) after decompression. */
  maxLines?: number;
  /** In bytes: a longer line is rejected with its number. */
  maxLineLength?: number;
  /** Idempotency-Key and body digest, recorded with the logs. */
  idempotency?: LedgerOptions['idempotency'];
}

/** A body that cannot be ingested at all: too large, or not decodable. */
export class IngestBodyError extends Error {
  constructor(
    readonly code: 'payload_too_large' | 'invalid_body',
    message: string,
  ) {
    super(message);
    this.name = 'IngestBodyError';
  }
}

/**
 * POST /ingest: reads an NDJSON body (plain or gzip) and stores it in one transaction.
 * Decompression, splitting and storing go together piece by piece: the decompressed bytes and
 * the lines are counted as they come, and a body past either limit stops there, storing nothing.
 * Each line is decoded on its own: one that is not UTF-8 is rejected by its number.
 * Answers accepted and rejected counts and the first rejected lines with their reasons.
 */
export async function ingestBody(
  store: LineIngester,
  body: Buffer | Buffer[],
  options: IngestBodyOptions = {},
): Promise<IngestResult> {
  const chunks = Array.isArray(body) ? body : [body];
  const limits: BodyLimits = {
    maxBytes: options.maxBytes ?? store.ingestMaxBytes ?? DEFAULT_INGEST_MAX_BYTES,
    maxLines: options.maxLines ?? store.ingestMaxLines ?? DEFAULT_INGEST_MAX_LINES,
    maxLineLength: options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
  };
  if (options.gzip === true && !isGzip(headOf(chunks))) throw notGzip();
  return store.ingestLineStream(bodyLines(chunks, limits), { idempotency: options.idempotency });
}

export interface BodyLimits {
  maxBytes: number;
  maxLines: number;
  maxLineLength: number;
}

const tooLarge = (maxBytes: number) =>
  new IngestBodyError('payload_too_large', `the NDJSON body is larger than ${maxBytes} bytes (INGEST_MAX_BYTES)`);
const tooManyLines = (maxLines: number) =>
  new IngestBodyError('payload_too_large', `the NDJSON body has more than ${maxLines} lines (INGEST_MAX_LINES)`);
export const notGzip = () => new IngestBodyError('invalid_body', 'the body is not gzip data');

/** The first two bytes of a body given in chunks (enough for the gzip magic). */
export function headOf(chunks: readonly Buffer[]): Buffer {
  const head: Buffer[] = [];
  let length = 0;
  for (const chunk of chunks) {
    if (length >= 2) break;
    head.push(chunk.subarray(0, 2 - length));
    length += Math.min(chunk.length, 2 - length);
  }
  return Buffer.concat(head);
}

/** Gives each chunk up once read, so a body's pieces can be freed as decompression moves on. */
function* handedOver(chunks: Buffer[]): Generator<Buffer> {
  for (let chunk = chunks.shift(); chunk !== undefined; chunk = chunks.shift()) yield chunk;
}

/** The body's lines in batches, within the limits (IngestBodyError past one). */
export async function* bodyLines(chunks: Buffer[], limits: BodyLimits): AsyncGenerator<NdjsonLine[]> {
  const splitter = new ByteLineSplitter(limits.maxLineLength);
  let bytes = 0;
  const split = (piece: Buffer): NdjsonLine[] => {
    const lines = splitter.push(piece);
    if (splitter.lineCount > limits.maxLines) throw tooManyLines(limits.maxLines);
    return lines;
  };
  try {
    for await (const chunk of decodedChunks(Readable.from(handedOver(chunks), { objectMode: false }))) {
      for (let at = 0; at < chunk.length; at += SPLIT_BYTES) {
        const piece = chunk.subarray(at, at + SPLIT_BYTES);
        bytes += piece.length;
        if (bytes > limits.maxBytes) throw tooLarge(limits.maxBytes);
        const lines = split(piece);
        if (lines.length > 0) yield lines;
      }
    }
  } catch (error) {
    if (error instanceof IngestBodyError) throw error;
    throw new IngestBodyError('invalid_body', `invalid gzip data: ${(error as Error).message}`);
  }
  const last = splitter.end();
  if (splitter.lineCount > limits.maxLines) throw tooManyLines(limits.maxLines);
  if (last.length > 0) yield last;
}
