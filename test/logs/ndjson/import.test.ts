import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportError, type ImportProgress, importFiles } from '../../../src/logs/ndjson/import-files.js';
import { IngestBodyError, ingestBody } from '../../../src/logs/ndjson/ingest-body.js';
import { logDocument } from '../../support/log-documents.js';
import { openTempStore, type TempStore } from '../embedded/temp-store.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
let temp: TempStore | undefined;

afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

const line = (i: number, app = 'api') =>
  JSON.stringify(logDocument({ time: NOW + i, app, duration: i, correlation: `c${i}` }));
const ndjson = (count: number, app = 'api') => `${Array.from({ length: count }, (_, i) => line(i, app)).join('\n')}\n`;
const total = async () => (await temp!.store.summary({ from: NOW - 1, to: NOW + 1_000_000 })).totalLogs;

describe('importFiles', () => {
  it('imports plain and gzip files (gzip found by magic bytes), reporting rejected lines with file and number', async () => {
    temp = openTempStore();
    const plain = join(temp.dir, 'a.ndjson');
    writeFileSync(plain, `${line(1)}\n\n{broken\r\n${line(2)}\r\n{"app_name":"x"}\n`);
    const gz = join(temp.dir, 'b.log'); // no .gz name
    writeFileSync(gz, gzipSync(Buffer.from(`${ndjson(12_000, 'web')}[]\n`)));

    const summary = await importFiles(temp.store, [plain, gz], { chunkLines: 1000 });
    expect(summary.accepted).toBe(12_002);
    expect(summary.rejected).toBe(3);
    expect(summary.linesRead).toBe(12_005);
    expect(summary.errors).toEqual([
      { file: plain, line: 3, reason: expect.stringMatching(/^invalid JSON/) },
      { file: plain, line: 5, reason: 'missing @timestamp' },
      { file: gz, line: 12_001, reason: 'not a JSON object' },
    ]);
    expect(summary.files).toEqual([
      { file: plain, linesRead: 4, accepted: 2, rejected: 2, skipped: 0 },
      { file: gz, linesRead: 12_001, accepted: 12_000, rejected: 1, skipped: 0 },
    ]);
    expect(await total()).toBe(12_002);
  });

  it('reads stdin for "-"', async () => {
    temp = openTempStore();
    const stdin = Readable.from([Buffer.from(ndjson(3).slice(0, 50)), Buffer.from(ndjson(3).slice(50))]);
    const summary = await importFiles(temp.store, ['-'], { stdin });
    expect(summary).toMatchObject({ accepted: 3, rejected: 0, files: [{ file: '-', accepted: 3 }] });
  });

  it('reads gzip from stdin too', async () => {
    temp = openTempStore();
    const summary = await importFiles(temp.store, ['-'], { stdin: Readable.from([gzipSync(ndjson(5))]) });
    expect(summary.accepted).toBe(5);
  });

  it('reports progress while it reads, ending with the final figures', async () => {
    temp = openTempStore();
    const file = join(temp.dir, 'big.ndjson');
    writeFileSync(file, ndjson(20_000));
    const progress: ImportProgress[] = [];
    const summary = await importFiles(temp.store, [file], {
      chunkLines: 2_000,
      progressIntervalMs: 0,
      onProgress: (p) => progress.push(p),
    });
    expect(progress.length).toBeGreaterThanOrEqual(10);
    const reads = progress.map((p) => p.linesRead);
    expect([...reads].sort((a, b) => a - b)).toEqual(reads);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({
      file,
      linesRead: 20_000,
      accepted: 20_000,
      rejected: 0,
      bytesRead: summary.bytesRead,
    });
    expect(last.totalBytes).toBe(summary.bytesRead);
    expect(last.elapsedMs).toBeGreaterThan(0);
    expect(last.linesPerSecond).toBeGreaterThan(0);
  });

  it('keeps at most 20 rejected lines in the summary, counting them all', async () => {
    temp = openTempStore();
    const file = join(temp.dir, 'bad.ndjson');
    writeFileSync(file, '{}\n'.repeat(50));
    const summary = await importFiles(temp.store, [file], { chunkLines: 7 });
    expect(summary.rejected).toBe(50);
    expect(summary.errors).toHaveLength(20);
    expect(summary.errors.map((e) => e.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('rejects over-long lines with a reason and goes on', async () => {
    temp = openTempStore();
    const file = join(temp.dir, 'long.ndjson');
    writeFileSync(file, `${line(1)}\n{"pad":"${'z'.repeat(5000)}"}\n${line(2)}\n`);
    const summary = await importFiles(temp.store, [file], { maxLineLength: 1000 });
    expect(summary.accepted).toBe(2);
    expect(summary.errors).toEqual([{ file, line: 2, reason: 'line longer than 1000 characters' }]);
  });

  it('checks every file before reading any', async () => {
    temp = openTempStore();
    const good = join(temp.dir, 'good.ndjson');
    writeFileSync(good, ndjson(3));
    const missing = join(temp.dir, 'missing.ndjson');
    const error = await importFiles(temp.store, [good, missing, temp.dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toContain(`${missing}: no such file`);
    expect((error as Error).message).toContain(`${temp.dir}: not a file`);
    expect(await total()).toBe(0);
    await expect(importFiles(temp.store, [])).rejects.toThrow(/no input/);
    await expect(importFiles(temp.store, ['-', '-'], { stdin: Readable.from([]) })).rejects.toThrow(/more than once/);
  });

  it('names the file whose gzip data is corrupt; what came before stays imported', async () => {
    temp = openTempStore();
    const good = join(temp.dir, 'good.ndjson');
    writeFileSync(good, ndjson(3));
    const bad = join(temp.dir, 'bad.ndjson.gz');
    writeFileSync(bad, Buffer.concat([gzipSync(ndjson(3)).subarray(0, 15), Buffer.alloc(30, 1)]));
    const error = await importFiles(temp.store, [good, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect((error as ImportError).partial.accepted).toBe(3);
    expect(await total()).toBe(3);
  });
});

describe('ingestBody', () => {
  it('ingests a plain NDJSON buffer and answers accepted, rejected and the first errors', async () => {
    temp = openTempStore();
    const result = await ingestBody(temp.store, Buffer.from(`${line(1)}\n\n{"x":1}\r\n${line(2)}`));
    expect(result).toEqual({ accepted: 2, rejected: 1, errors: [{ line: 3, reason: 'missing @timestamp' }] });
    expect(await total()).toBe(2);
  });

  it('detects gzip by magic bytes, or requires it when announced', async () => {
    temp = openTempStore();
    expect((await ingestBody(temp.store, gzipSync(ndjson(4)))).accepted).toBe(4);
    expect((await ingestBody(temp.store, gzipSync(ndjson(2)), { gzip: true })).accepted).toBe(2);
    const error = await ingestBody(temp.store, Buffer.from(ndjson(2)), { gzip: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestBodyError);
    expect(error).toMatchObject({ code: 'invalid_body', message: 'the body is not gzip data' });
    const corrupt = await ingestBody(temp.store, Buffer.from([0x1f, 0x8b, 1, 2, 3])).catch((e: unknown) => e);
    expect(corrupt).toMatchObject({ code: 'invalid_body' });
    expect(await total()).toBe(6);
  });

  it('refuses bodies over the limit, compressed or once decompressed, storing nothing', async () => {
    temp = openTempStore();
    const body = Buffer.from(ndjson(100));
    const plain = await ingestBody(temp.store, body, { maxBytes: body.length - 1 }).catch((e: unknown) => e);
    expect(plain).toMatchObject({ code: 'payload_too_large' });
    // A small gzip body that inflates past the limit.
    const bomb = gzipSync(Buffer.alloc(5_000_000, 0x20));
    expect(bomb.length).toBeLessThan(10_000);
    const inflated = await ingestBody(temp.store, bomb, { maxBytes: 1_000_000 }).catch((e: unknown) => e);
    expect(inflated).toMatchObject({ code: 'payload_too_large' });
    expect((await ingestBody(temp.store, body, { maxBytes: body.length })).accepted).toBe(100);
    expect(await total()).toBe(100);
  });

  it('uses the store limit (INGEST_MAX_BYTES) when none is given', async () => {
    temp = openTempStore({ INGEST_MAX_BYTES: '2048' });
    expect(temp.store.ingestMaxBytes).toBe(2048);
    await expect(ingestBody(temp.store, Buffer.from(ndjson(100)))).rejects.toMatchObject({ code: 'payload_too_large' });
  });
});
