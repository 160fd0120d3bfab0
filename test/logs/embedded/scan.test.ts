import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedLogStore } from '../../../src/logs/embedded/embedded-log-store.js';
import type { ScanBatch, ScanRequest, Thresholds } from '../../../src/logs/source.js';
import { logDocument, type TestLog } from '../../support/log-documents.js';
import { openTempStore, seededRandom, type TempStore } from './temp-store.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const MINUTE = 60_000;
let temp: TempStore | undefined;

afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function collect(store: EmbeddedLogStore, request: ScanRequest): Promise<ScanBatch[]> {
  const batches: ScanBatch[] = [];
  for await (const batch of store.scan(request)) batches.push(batch);
  return batches;
}

function checkpoint(cursor: string | undefined, thresholds: Thresholds, batchSize = 1000, now = NOW): ScanRequest {
  return { mode: 'checkpoint', cursor, now, batchSize, thresholds };
}

const candidateIds = (batches: ScanBatch[]) => batches.flatMap((b) => b.candidates.map((c) => Number(c.sourceId)));
const lastCursor = (batches: ScanBatch[]) => batches[batches.length - 1]!.cursor;

/** What the pushdown must return, computed from the logs themselves: seq is the 1-based index. */
function expectedCandidates(logs: TestLog[], thresholds: Thresholds, fromSeq = 0): number[] {
  return logs.flatMap((log, i) => {
    const min = log.app === undefined ? undefined : thresholds.get(log.app);
    return i + 1 > fromSeq && min !== undefined && log.duration !== undefined && log.duration >= min ? [i + 1] : [];
  });
}

function randomLogs(count: number, seed: number, spanMs = 30 * MINUTE): TestLog[] {
  const random = seededRandom(seed);
  const apps = ['api', 'worker', 'web', 'batch'];
  return Array.from({ length: count }, () => ({
    // Times out of order on purpose: time is not monotonic in the sequence.
    time: NOW - Math.floor(random() * spanMs),
    app: random() < 0.05 ? undefined : apps[Math.floor(random() * apps.length)],
    key: `k${Math.floor(random() * 5)}`,
    duration: random() < 0.1 ? undefined : Math.round(random() * 2000 * 10) / 10,
  }));
}

describe('checkpoint scans', () => {
  it('returns exactly the logs at or above their app threshold, in sequence order, in bounded batches', async () => {
    temp = openTempStore();
    const logs = randomLogs(3000, 1);
    temp.store.ingestDocuments(logs.map(logDocument));
    const thresholds = new Map([
      ['api', 1500],
      ['worker', 1900],
      ['nobody', 1],
    ]);
    const batches = await collect(temp.store, checkpoint(undefined, thresholds, 50));
    const expected = expectedCandidates(logs, thresholds);
    expect(expected.length).toBeGreaterThan(100);
    expect(candidateIds(batches)).toEqual(expected);
    expect(batches.every((b) => b.candidates.length <= 50)).toBe(true);
    // Every log is covered exactly once, candidate or not.
    expect(batches.reduce((sum, b) => sum + b.scanned, 0)).toBe(3000);
    for (const batch of batches) {
      for (const c of batch.candidates) {
        expect(c.durationMs).toBeGreaterThanOrEqual(thresholds.get(c.app!)!);
      }
    }
    expect(JSON.parse(lastCursor(batches)).seq).toBe(3000);
  });

  it('each batch cursor is where the next scan resumes: no log read twice or skipped', async () => {
    temp = openTempStore();
    const logs = randomLogs(1200, 2);
    temp.store.ingestDocuments(logs.map(logDocument));
    const thresholds = new Map([['web', 1000]]);
    const all = expectedCandidates(logs, thresholds);

    // Stop after every single batch (as after a crash) and resume from its cursor.
    let cursor: string | undefined;
    const seen: number[] = [];
    let scanned = 0;
    for (let guard = 0; guard < 1000; guard++) {
      const iterator = temp.store.scan(checkpoint(cursor, thresholds, 7))[Symbol.asyncIterator]();
      const next = await iterator.next();
      await iterator.return?.();
      if (next.done) break;
      seen.push(...next.value.candidates.map((c) => Number(c.sourceId)));
      scanned += next.value.scanned;
      cursor = next.value.cursor;
    }
    expect(seen).toEqual(all);
    expect(scanned).toBe(1200);
  });

  it('later ingests are picked up from the cursor, whatever their log time', async () => {
    temp = openTempStore();
    const thresholds = new Map([['api', 100]]);
    temp.store.ingestDocuments([logDocument({ time: NOW, app: 'api', duration: 500 })]);
    const first = await collect(temp.store, checkpoint(undefined, thresholds));
    expect(candidateIds(first)).toEqual([1]);

    // A log written late with an old time, and one with a future time.
    temp.store.ingestDocuments([
      logDocument({ time: NOW - 3 * 86_400_000, app: 'api', duration: 700 }),
      logDocument({ time: NOW + 3_600_000, app: 'api', duration: 800 }),
      logDocument({ time: NOW, app: 'api', duration: 5 }),
    ]);
    const second = await collect(temp.store, checkpoint(lastCursor(first), thresholds));
    expect(candidateIds(second)).toEqual([2, 3]);
    expect(second.reduce((sum, b) => sum + b.scanned, 0)).toBe(3);

    const third = await collect(temp.store, checkpoint(lastCursor(second), thresholds));
    expect(third).toEqual([]);
  });

  it('reads only up to the last log present when the scan started', async () => {
    temp = openTempStore();
    const thresholds = new Map([['api', 0]]);
    temp.store.ingestDocuments(
      Array.from({ length: 10 }, (_, i) => logDocument({ time: NOW, app: 'api', duration: i })),
    );
    const seen: number[] = [];
    for await (const batch of temp.store.scan(checkpoint(undefined, thresholds, 3))) {
      seen.push(...batch.candidates.map((c) => Number(c.sourceId)));
      temp.store.ingestDocuments([logDocument({ time: NOW, app: 'api', duration: 1 })]);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('the first scan starts at the first log within the initial lookback', async () => {
    temp = openTempStore({ SCAN_INITIAL_LOOKBACK_MINUTES: '60' });
    const thresholds = new Map([['api', 0]]);
    temp.store.ingestDocuments([
      logDocument({ time: NOW - 3 * 60 * MINUTE, app: 'api', duration: 1 }),
      logDocument({ time: NOW - 61 * MINUTE, app: 'api', duration: 1 }),
      logDocument({ time: NOW - 59 * MINUTE, app: 'api', duration: 1 }),
      // Older than the lookback but after its start in the sequence: still scanned.
      logDocument({ time: NOW - 5 * 60 * MINUTE, app: 'api', duration: 1 }),
      logDocument({ time: NOW, app: 'api', duration: 1 }),
    ]);
    const batches = await collect(temp.store, checkpoint(undefined, thresholds));
    expect(candidateIds(batches)).toEqual([3, 4, 5]);
    expect(batches.reduce((sum, b) => sum + b.scanned, 0)).toBe(3);
  });

  it('the first scan of a store with nothing recent still yields its starting cursor', async () => {
    temp = openTempStore({ SCAN_INITIAL_LOOKBACK_MINUTES: '10' });
    const thresholds = new Map([['api', 0]]);
    temp.store.ingestDocuments([logDocument({ time: NOW - 60 * MINUTE, app: 'api', duration: 1 })]);
    const batches = await collect(temp.store, checkpoint(undefined, thresholds));
    expect(batches).toHaveLength(1);
    expect(batches[0]!.candidates).toEqual([]);
    expect(batches[0]!.scanned).toBe(0);
    expect(JSON.parse(batches[0]!.cursor).seq).toBe(1);

    temp.store.ingestDocuments([logDocument({ time: NOW - 60 * MINUTE, app: 'api', duration: 2 })]);
    const next = await collect(temp.store, checkpoint(batches[0]!.cursor, thresholds));
    expect(candidateIds(next)).toEqual([2]);
  });

  it('an empty store and an empty threshold list still cover every log', async () => {
    temp = openTempStore();
    const empty = await collect(temp.store, checkpoint(undefined, new Map()));
    expect(empty.map((b) => [b.candidates.length, b.scanned])).toEqual([[0, 0]]);

    temp.store.ingestDocuments(randomLogs(100, 3).map(logDocument));
    const batches = await collect(temp.store, checkpoint(empty[0]!.cursor, new Map()));
    expect(candidateIds(batches)).toEqual([]);
    expect(batches.reduce((sum, b) => sum + b.scanned, 0)).toBe(100);
  });

  it('the watermark is the latest log time covered and never goes back', async () => {
    temp = openTempStore();
    const thresholds = new Map([['api', 0]]);
    temp.store.ingestDocuments([
      logDocument({ time: NOW - 5000, app: 'api', duration: 1 }),
      logDocument({ time: NOW - 1000, app: 'api', duration: 1 }),
      logDocument({ time: NOW - 9000, app: 'api', duration: 1 }),
    ]);
    const batches = await collect(temp.store, checkpoint(undefined, thresholds, 1));
    expect(batches.map((b) => b.watermark)).toEqual([NOW - 5000, NOW - 1000, NOW - 1000]);
    temp.store.ingestDocuments([logDocument({ time: NOW - 60_000, app: 'api', duration: 1 })]);
    const next = await collect(temp.store, checkpoint(lastCursor(batches), thresholds));
    expect(next.map((b) => b.watermark)).toEqual([NOW - 1000]);
  });

  it('rejects a cursor that is not its own', async () => {
    temp = openTempStore();
    await expect(collect(temp.store, checkpoint('{"time":1}', new Map()))).rejects.toThrow(/invalid embedded/);
    await expect(collect(temp.store, checkpoint('garbage', new Map()))).rejects.toThrow(/invalid embedded/);
  });
});

describe('range scans', () => {
  it('returns the candidates of [from, to) ordered by time, in bounded batches covering every log once', async () => {
    temp = openTempStore();
    const logs = randomLogs(2000, 4);
    temp.store.ingestDocuments(logs.map(logDocument));
    const thresholds = new Map([
      ['api', 1200],
      ['batch', 1800],
    ]);
    const range = { from: NOW - 20 * MINUTE + 123, to: NOW - 5 * MINUTE - 7 };
    const batches = await collect(temp.store, { mode: 'range', range, batchSize: 25, thresholds });
    const inRange = logs
      .map((log, i) => ({ ...log, seq: i + 1 }))
      .filter((log) => log.time >= range.from && log.time < range.to);
    const expected = inRange
      .filter((log) => {
        const min = log.app === undefined ? undefined : thresholds.get(log.app);
        return min !== undefined && log.duration !== undefined && log.duration >= min;
      })
      .sort((a, b) => a.time - b.time || a.seq - b.seq)
      .map((log) => log.seq);
    expect(expected.length).toBeGreaterThan(50);
    expect(candidateIds(batches)).toEqual(expected);
    expect(batches.every((b) => b.candidates.length <= 25)).toBe(true);
    expect(batches.reduce((sum, b) => sum + b.scanned, 0)).toBe(inRange.length);
    const watermarks = batches.map((b) => b.watermark);
    expect([...watermarks].sort((a, b) => a - b)).toEqual(watermarks);
    expect(watermarks[watermarks.length - 1]).toBe(range.to);
  });
});
