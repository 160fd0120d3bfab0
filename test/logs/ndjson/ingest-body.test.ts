import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestBodyError, ingestBody, type LineIngester } from '../../../src/logs/ndjson/ingest-body.js';
import type { LedgerOptions } from '../../../src/logs/ndjson/ledger-options.js';
import type { IngestResult, NdjsonLine } from '../../../src/logs/ndjson/ndjson-line.js';
import { logDocument } from '../../support/log-documents.js';
import { openTempStore, type TempStore } from '../embedded/temp-store.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
let temp: TempStore | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});
const line = (i: number) => JSON.stringify(logDocument({ time: NOW + i, app: 'api', duration: i }));
const total = async () => (await temp!.store.summary({ from: NOW - 1, to: NOW + 1_000_000 })).totalLogs;

/** A store that only counts what it is given: how many lines, in how many batches, the largest. */
class CountingStore implements LineIngester {
  lines = 0;
  batches = 0;
  largestBatch = 0;
  ingestLines(): IngestResult {
    throw new Error('a body is to be ingested as a stream of batches');
  }
  async ingestLineStream(
    batches: AsyncIterable<readonly NdjsonLine[]>,
    _options?: LedgerOptions,
  ): Promise<IngestResult> {
    for await (const batch of batches) {
      this.batches++;
      this.lines += batch.length;
      this.largestBatch = Math.max(this.largestBatch, batch.length);
    }
    return { accepted: 0, rejected: this.lines, errors: [] };
  }
}

describe('ingestBody streams a body through decompression and splitting', () => {
  it('hands the lines of a gzip body of 3 million one-byte lines over in small batches, never all at once', async () => {
    const store = new CountingStore();
    const body = gzipSync('1\n'.repeat(3_000_000));
    await ingestBody(store, body, { gzip: true, maxLines: 3_000_000, maxBytes: 6_000_000 });
    expect(store.lines).toBe(3_000_000);
    expect(store.largestBatch).toBeLessThanOrEqual(32 * 1024);
    expect(store.batches).toBeGreaterThan(90);
  });

  it('counts lines (blank ones too) and decompressed bytes as they come: past either limit, 413 naming it', async () => {
    const store = new CountingStore();
    const lines = await ingestBody(store, gzipSync('1\n'.repeat(50_001)), { maxLines: 50_000 }).catch(
      (e: unknown) => e,
    );
    expect(lines).toBeInstanceOf(IngestBodyError);
    expect(lines).toMatchObject({
      code: 'payload_too_large',
      message: 'the NDJSON body has more than 50000 lines (INGEST_MAX_LINES)',
    });
    const blank = await ingestBody(store, Buffer.from('\n'.repeat(50_001)), { maxLines: 50_000 }).catch(
      (e: unknown) => e,
    );
    expect(blank).toMatchObject({ code: 'payload_too_large' });
    // Exactly at the limit, with the last line unterminated: accepted.
    await ingestBody(store, Buffer.from(`${'1\n'.repeat(49_999)}1`), { maxLines: 50_000 });
    const bytes = await ingestBody(store, gzipSync(Buffer.alloc(3_000_000, 0x20)), { maxBytes: 1_000_000 }).catch(
      (e: unknown) => e,
    );
    expect(bytes).toMatchObject({
      code: 'payload_too_large',
      message: 'the NDJSON body is larger than 1000000 bytes (INGEST_MAX_BYTES)',
    });
  });

  it('uses the store limit (INGEST_MAX_LINES) when none is given, and stores nothing of a body past it', async () => {
    temp = openTempStore({ INGEST_MAX_LINES: '100' });
    expect(temp.store.ingestMaxLines).toBe(100);
    const body = Array.from({ length: 101 }, (_, i) => line(i)).join('\n');
    await expect(ingestBody(temp.store, Buffer.from(body))).rejects.toMatchObject({
      message: 'the NDJSON body has more than 100 lines (INGEST_MAX_LINES)',
    });
    expect(await total()).toBe(0);
    const fits = Array.from({ length: 100 }, (_, i) => line(i)).join('\n');
    expect(await ingestBody(temp.store, [Buffer.from(fits.slice(0, 777)), Buffer.from(fits.slice(777))])).toMatchObject(
      {
        accepted: 100,
        rejected: 0,
      },
    );
    expect(await total()).toBe(100);
  });

  it('runs stream ingests one after another, each in its own transaction', async () => {
    temp = openTempStore();
    const bodies = [0, 1, 2].map((b) =>
      Buffer.from(Array.from({ length: 500 }, (_, i) => line(b * 1000 + i)).join('\n')),
    );
    const bad = gzipSync(`${line(5000)}\n`.repeat(10));
    const results = await Promise.allSettled([
      ingestBody(temp.store, bodies[0]!),
      ingestBody(temp.store, bad, { maxLines: 5 }),
      ingestBody(temp.store, bodies[1]!),
      ingestBody(temp.store, bodies[2]!),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await total()).toBe(1500);
  });
});
