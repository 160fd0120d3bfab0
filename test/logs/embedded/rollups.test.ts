import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeRange } from '../../../src/logs/source.js';
import { logDocument, type TestLog } from '../../support/log-documents.js';
import { openTempStore, seededRandom, type TempStore } from './temp-store.js';

/**
 * The store answers dashboard figures from minute and hour rollups plus raw rows at the ragged
 * edges. These tests compute the same figures straight from the generated logs and compare,
 * over random data and random ranges.
 */
const HOUR = 3_600_000;
const MINUTE = 60_000;
const START = Date.UTC(2026, 5, 1, 9, 0, 0) + 17_345; // deliberately not aligned
const SPAN = 4 * HOUR;
const APPS = ['api', 'worker', 'web'];
const LEVELS = ['INFO', 'info', 'warn', 'Error', 'debug', undefined];

let temp: TempStore;
let logs: TestLog[];

function generate(count: number, seed: number): TestLog[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const r = random();
    let duration: number | undefined;
    if (r < 0.1) duration = undefined;
    else if (r < 0.12) duration = 0;
    else duration = Math.round(Math.exp(random() * 9) * 1000) / 1000; // 1 ms to ~8 s, fractional
    return {
      time: START + Math.floor(random() * SPAN),
      app: random() < 0.05 ? undefined : APPS[Math.floor(random() * APPS.length)],
      key: random() < 0.05 ? undefined : `key-${Math.floor(random() * 6)}`,
      duration,
      level: LEVELS[Math.floor(random() * LEVELS.length)],
    };
  });
}

beforeAll(() => {
  temp = openTempStore();
  logs = generate(20_000, 42);
  // Several transactions, so rollup rows are merged by upserts, not only written once.
  for (let i = 0; i < logs.length; i += 3_000) temp.store.ingestDocuments(logs.slice(i, i + 3_000).map(logDocument));
});

afterAll(async () => {
  await temp.cleanup();
});

const inRange = (range: TimeRange, app?: string) =>
  logs.filter((log) => log.time >= range.from && log.time < range.to && (app === undefined || log.app === app));

const durations = (some: TestLog[]) => some.flatMap((log) => (log.duration === undefined ? [] : [log.duration]));

function exactP95(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

function expectWithinOnePercent(actual: number | null, exact: number | null) {
  if (exact === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(exact * 0.01 + 1e-9);
}

function expectAverage(actual: number | null, values: number[]) {
  if (values.length === 0) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
}

function randomRanges(seed: number, count: number): TimeRange[] {
  const random = seededRandom(seed);
  const ranges: TimeRange[] = [
    { from: START - HOUR, to: START + SPAN + HOUR }, // everything
    { from: Date.UTC(2026, 5, 1, 10), to: Date.UTC(2026, 5, 1, 12) }, // whole hours only
    { from: Date.UTC(2026, 5, 1, 10, 7), to: Date.UTC(2026, 5, 1, 10, 49) }, // whole minutes only
    { from: Date.UTC(2026, 5, 1, 10, 7, 13), to: Date.UTC(2026, 5, 1, 10, 7, 51) }, // inside one minute
    { from: Date.UTC(2026, 5, 1, 10, 59, 30), to: Date.UTC(2026, 5, 1, 11, 0, 30) }, // across an hour edge
    { from: START + 5, to: START + 5 }, // empty
    { from: START - 10 * HOUR, to: START - 9 * HOUR }, // no logs
  ];
  for (let i = 0; i < count; i++) {
    const a = START - 10 * MINUTE + Math.floor(random() * (SPAN + 20 * MINUTE));
    const b = START - 10 * MINUTE + Math.floor(random() * (SPAN + 20 * MINUTE));
    ranges.push({ from: Math.min(a, b), to: Math.max(a, b) + 1 });
  }
  return ranges;
}

const RANGES = randomRanges(7, 25);

describe('summary equals the raw aggregates', () => {
  it.each(RANGES.map((range) => [range.from, range.to]))('range [%d, %d)', async (from, to) => {
    const range = { from, to };
    const some = inRange(range);
    const summary = await temp.store.summary(range);
    const values = durations(some);
    expect(summary.totalLogs).toBe(some.length);
    expect(summary.durationCount).toBe(values.length);
    expect(summary.durationSumMs).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      3,
    );

    const byApp = APPS.map((app) => {
      const ofApp = some.filter((log) => log.app === app);
      const d = durations(ofApp);
      return { app, count: ofApp.length, durationCount: d.length, durationSumMs: d.reduce((a, b) => a + b, 0) };
    }).filter((entry) => entry.count > 0);
    expect(summary.byApp.map((e) => e.app).sort()).toEqual(byApp.map((e) => e.app).sort());
    for (const expected of byApp) {
      const actual = summary.byApp.find((e) => e.app === expected.app)!;
      expect(actual.count).toBe(expected.count);
      expect(actual.durationCount).toBe(expected.durationCount);
      expect(actual.durationSumMs).toBeCloseTo(expected.durationSumMs, 3);
    }

    const levels = new Map<string, number>();
    for (const log of some) {
      const level = log.level?.toLowerCase() ?? 'unknown';
      levels.set(level, (levels.get(level) ?? 0) + 1);
    }
    expect(Object.fromEntries(summary.levels.map((l) => [l.level, l.count]))).toEqual(Object.fromEntries(levels));
  });
});

describe('timeseries equals the raw aggregates', () => {
  const cases: [number, number, number, string | undefined][] = [];
  const random = seededRandom(11);
  const intervals = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 2 * HOUR, 30_000, 90_000, 7 * MINUTE];
  for (const range of RANGES.slice(0, 14)) {
    const interval = intervals[Math.floor(random() * intervals.length)]!;
    const app = random() < 0.4 ? APPS[Math.floor(random() * APPS.length)] : undefined;
    cases.push([range.from, range.to, interval, app]);
  }
  it.each(cases)('range [%d, %d) every %d ms, app %s', async (from, to, interval, app) => {
    const range = { from, to };
    const series = await temp.store.timeseries(range, interval, app);
    const expectedStarts: number[] = [];
    if (from < to) {
      for (let start = Math.floor(from / interval) * interval; start < to; start += interval)
        expectedStarts.push(start);
    }
    expect(series.map((b) => b.start)).toEqual(expectedStarts);
    for (const bucket of series) {
      const clipped = { from: Math.max(from, bucket.start), to: Math.min(to, bucket.start + interval) };
      const some = inRange(clipped, app);
      expect(bucket.count).toBe(some.length);
      expectAverage(bucket.avgMs, durations(some));
      expectWithinOnePercent(bucket.p95Ms, exactP95(durations(some)));
    }
  });

  it('refuses a non-positive interval and too many buckets', async () => {
    await expect(temp.store.timeseries({ from: 0, to: 10 }, 0)).rejects.toThrow(RangeError);
    await expect(temp.store.timeseries({ from: 0, to: HOUR }, 1)).rejects.toThrow(/buckets/);
  });
});

describe('appStats equals the raw aggregates', () => {
  it.each(RANGES.slice(0, 12).map((range) => [range.from, range.to]))('range [%d, %d)', async (from, to) => {
    const range = { from, to };
    const stats = await temp.store.appStats(range, 3);
    const some = inRange(range);
    const apps = APPS.filter((app) => some.some((log) => log.app === app));
    expect(stats.map((s) => s.app).sort()).toEqual([...apps].sort());
    for (const entry of stats) {
      const ofApp = some.filter((log) => log.app === entry.app);
      const values = durations(ofApp);
      expect(entry.count).toBe(ofApp.length);
      expectAverage(entry.avgMs, values);
      expectWithinOnePercent(entry.p95Ms, exactP95(values));
      expect(entry.maxMs).toBe(values.length ? Math.max(...values) : null);

      const keys = [...new Set(ofApp.flatMap((log) => (log.key === undefined ? [] : [log.key])))];
      expect(entry.slowestKeys.length).toBe(Math.min(3, keys.length));
      const p95s = entry.slowestKeys.map((k) => k.p95Ms ?? -1);
      expect([...p95s].sort((a, b) => b - a)).toEqual(p95s);
      for (const key of entry.slowestKeys) {
        const ofKey = ofApp.filter((log) => log.key === key.messageKey);
        const keyValues = durations(ofKey);
        expect(key.count).toBe(ofKey.length);
        expectAverage(key.avgMs, keyValues);
        expectWithinOnePercent(key.p95Ms, exactP95(keyValues));
        expect(key.maxMs).toBe(keyValues.length ? Math.max(...keyValues) : null);
      }
      // No key left out is clearly slower than the ones listed.
      const listed = new Set(entry.slowestKeys.map((k) => k.messageKey));
      const slowestListed = Math.min(...entry.slowestKeys.map((k) => k.p95Ms ?? 0));
      for (const key of keys.filter((k) => !listed.has(k))) {
        const p95 = exactP95(durations(ofApp.filter((log) => log.key === key))) ?? 0;
        expect(p95).toBeLessThanOrEqual(slowestListed * 1.02 + 1e-9);
      }
    }
  });
});
