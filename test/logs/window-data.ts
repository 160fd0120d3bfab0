import { expect } from 'vitest';
import type { WindowQuery, WindowSeries, WindowStatistic } from '../../src/logs/window-stats.js';
import { WINDOW_STATISTICS } from '../../src/logs/window-stats.js';
import { logDocument } from '../support/log-documents.js';

/**
 * A deterministic data set for window statistics, and every figure a test expects computed from
 * it by brute force (sorting and counting), independently of lagwatch.
 */
export const T0 = Date.UTC(2026, 0, 10, 0, 0, 0);
const MINUTE = 60_000;
const HOUR = 3_600_000;

export interface WindowLog {
  time: number;
  app: string;
  messageKey: string | null;
  durationMs: number | null;
  /** Ingest time (FIELD_INGESTED), when the document has one. */
  ingested?: number;
}

/** Park–Miller: the same sequence on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

/** Thresholds the queries count above; the data holds durations at them and within 2 % of them. */
export const THRESHOLDS = [100, 250] as const;
const NEAR_THRESHOLDS = [99.5, 99.99, 100, 100, 100.01, 100.5, 101.9, 249, 250, 250, 250.2, 254.9];

/** Edges of a range with logs exactly at its start (counted) and at its end (not counted). */
export const EDGE_FROM = T0 + 2 * HOUR + 20 * MINUTE + 123;
export const EDGE_TO = EDGE_FROM + 5 * MINUTE;

export function windowLogs(count = 3_000, seed = 11): WindowLog[] {
  const next = random(seed);
  const logs: WindowLog[] = [];
  // checkout: 25 keys of decreasing weight (perKey ordering and the cap); a few logs without key or duration.
  for (let i = 0; i < count; i++) {
    const time = T0 + Math.floor(next() * 3 * HOUR);
    const keyIndex = Math.floor(25 * next() ** 2);
    const scale = 20 + keyIndex * 15;
    const roll = next();
    const durationMs =
      roll < 0.06
        ? null
        : roll < 0.1
          ? NEAR_THRESHOLDS[Math.floor(next() * NEAR_THRESHOLDS.length)]!
          : Math.round(scale * (next() < 0.05 ? 4 + next() * 6 : 0.5 + next()) * 1000) / 1000;
    const messageKey = next() < 0.04 ? null : `key-${String(keyIndex).padStart(2, '0')}`;
    logs.push({ time, app: 'checkout', messageKey, durationMs });
  }
  // search: three keys, one of them only ever without a duration.
  for (let i = 0; i < count / 5; i++) {
    const time = T0 + Math.floor(next() * 3 * HOUR);
    const k = Math.floor(next() * 3);
    logs.push({
      time,
      app: 'search',
      messageKey: ['query', 'suggest', 'ping'][k]!,
      durationMs: k === 2 ? null : Math.round(next() * 500 * 1000) / 1000,
    });
  }
  // Two keys with the same number of durations in the edge range (ordered by key), and a zero duration.
  for (const key of ['tie-b', 'tie-a']) {
    for (let i = 0; i < 3; i++)
      logs.push({ time: EDGE_FROM + 1000 + i, app: 'edges', messageKey: key, durationMs: 5 + i });
  }
  logs.push({ time: EDGE_FROM, app: 'edges', messageKey: 'edge', durationMs: 0 });
  logs.push({ time: EDGE_FROM + 1, app: 'edges', messageKey: 'edge', durationMs: 7 });
  logs.push({ time: EDGE_TO - 1, app: 'edges', messageKey: 'edge', durationMs: 300 });
  logs.push({ time: EDGE_TO, app: 'edges', messageKey: 'edge', durationMs: 9_000 });
  logs.push({ time: EDGE_FROM - 1, app: 'edges', messageKey: 'edge', durationMs: 9_000 });
  // quiet: logs without any duration.
  for (let i = 0; i < 7; i++)
    logs.push({ time: EDGE_FROM + i * 1000, app: 'quiet', messageKey: 'idle', durationMs: null });
  // late: logged at T0+1h, ingested at T0+2h30 (byIngestTime on sources with FIELD_INGESTED).
  for (let i = 0; i < 5; i++) {
    logs.push({
      time: T0 + HOUR + i,
      app: 'late',
      messageKey: 'batch',
      durationMs: 40 + i,
      ingested: T0 + 150 * MINUTE + i,
    });
  }
  return logs;
}

/** The documents (default field preset; `ingested` for FIELD_INGESTED=ingested). */
export function windowDocuments(logs: readonly WindowLog[]): Record<string, unknown>[] {
  return logs.map((log) => ({
    ...logDocument({
      time: log.time,
      app: log.app,
      key: log.messageKey ?? undefined,
      duration: log.durationMs ?? undefined,
      level: 'info',
      message: `${log.app} ${log.messageKey ?? ''}`.trim(),
    }),
    ...(log.ingested === undefined ? {} : { ingested: new Date(log.ingested).toISOString() }),
  }));
}

export const WINDOW_MAPPING = {
  '@timestamp': 'date',
  ingested: 'date',
  app_name: 'keyword',
  message_key: 'keyword',
  duration: 'double',
  level: 'keyword',
  message: 'text',
} as const;

/** Ranges: ragged over hour and minute rollups, a ragged 5 minutes, whole minutes, the edges, empty. */
export const RANGES = {
  ragged: { from: T0 + 17 * MINUTE + 23_456, to: T0 + 2 * HOUR + 3 * MINUTE + 7_890 },
  fiveMinutes: { from: T0 + HOUR + 41 * MINUTE + 12_345, to: T0 + HOUR + 46 * MINUTE + 12_345 },
  wholeMinutes: { from: T0 + 30 * MINUTE, to: T0 + 35 * MINUTE },
  edges: { from: EDGE_FROM, to: EDGE_TO },
  nothing: { from: T0 + 10 * HOUR, to: T0 + 10 * HOUR + 5 * MINUTE },
  reversed: { from: T0 + HOUR, to: T0 + HOUR },
};

const base = { messageKey: null, perKey: false, maxSeries: 200 } as const;

/** The queries every source answers. */
export function windowQueries(): WindowQuery[] {
  const queries: WindowQuery[] = [];
  const statistic = (s: WindowStatistic) => ({ statistic: s, ...(s === 'slow_ratio' ? { slowMs: 100 } : {}) });
  for (const range of [RANGES.ragged, RANGES.fiveMinutes, RANGES.wholeMinutes]) {
    for (const s of WINDOW_STATISTICS) {
      queries.push({ ...base, app: 'checkout', range, ...statistic(s), countAboveMs: 250 });
      queries.push({ ...base, app: 'checkout', messageKey: 'key-03', range, ...statistic(s) });
      queries.push({ ...base, app: 'checkout', perKey: true, maxSeries: 5, range, ...statistic(s), countAboveMs: 100 });
      queries.push({ ...base, app: 'search', perKey: true, range, ...statistic(s) });
    }
  }
  queries.push({ ...base, app: 'checkout', perKey: true, range: RANGES.ragged, statistic: 'p95' });
  queries.push({ ...base, app: 'edges', perKey: true, range: RANGES.edges, statistic: 'max', countAboveMs: 6 });
  queries.push({ ...base, app: 'edges', range: RANGES.edges, statistic: 'p50', countAboveMs: 0 });
  queries.push({ ...base, app: 'edges', perKey: true, maxSeries: 2, range: RANGES.edges, statistic: 'p99' });
  queries.push({ ...base, app: 'quiet', range: RANGES.edges, statistic: 'p95', countAboveMs: 1 });
  queries.push({ ...base, app: 'quiet', perKey: true, range: RANGES.edges, statistic: 'avg' });
  queries.push({ ...base, app: 'checkout', range: RANGES.nothing, statistic: 'p95', countAboveMs: 1 });
  queries.push({ ...base, app: 'checkout', perKey: true, range: RANGES.nothing, statistic: 'p95' });
  queries.push({ ...base, app: 'checkout', messageKey: 'key-01', range: RANGES.reversed, statistic: 'max' });
  queries.push({ ...base, app: 'nobody', range: RANGES.ragged, statistic: 'slow_ratio', slowMs: 10 });
  queries.push({ ...base, app: 'checkout', perKey: true, maxSeries: 0, range: RANGES.ragged, statistic: 'p90' });
  return queries;
}

function nearestRank(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

const QUANTILES: Partial<Record<WindowStatistic, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** The exact answer (percentiles at their exact nearest rank) by brute force. */
export function expectedSeries(logs: readonly WindowLog[], query: WindowQuery): WindowSeries[] {
  const inRange = logs.filter(
    (l) =>
      l.app === query.app &&
      l.time >= query.range.from &&
      l.time < query.range.to &&
      (query.messageKey === null || l.messageKey === query.messageKey),
  );
  const series = (messageKey: string | null, group: WindowLog[]): WindowSeries => {
    const durations = group.flatMap((l) => (l.durationMs === null ? [] : [l.durationMs]));
    const n = durations.length;
    let value: number | null = null;
    if (n > 0) {
      if (query.statistic === 'avg') value = durations.reduce((a, b) => a + b, 0) / n;
      else if (query.statistic === 'max') value = Math.max(...durations);
      else if (query.statistic === 'slow_ratio') value = (durations.filter((d) => d > query.slowMs!).length / n) * 100;
      else value = nearestRank(durations, QUANTILES[query.statistic]!);
    }
    return {
      messageKey,
      logs: group.length,
      samples: n,
      value,
      ...(query.countAboveMs === undefined ? {} : { above: durations.filter((d) => d > query.countAboveMs!).length }),
    };
  };
  if (!(query.perKey && query.messageKey === null)) return [series(query.messageKey, inRange)];
  const byKey = new Map<string, WindowLog[]>();
  for (const log of inRange) {
    if (log.messageKey === null) continue;
    byKey.set(log.messageKey, [...(byKey.get(log.messageKey) ?? []), log]);
  }
  return [...byKey]
    .map(([key, group]) => series(key, group))
    .sort((a, b) => b.samples - a.samples || (a.messageKey! < b.messageKey! ? -1 : 1))
    .slice(0, query.maxSeries);
}

const isPercentile = (query: WindowQuery) => QUANTILES[query.statistic] !== undefined;

/**
 * Same series (keys in the same order, counts exact); values exact except percentiles, which
 * lie within 1 % of `expected`'s (the shared definition reports a bucket's middle).
 */
export function expectSameSeries(actual: WindowSeries[], expected: WindowSeries[], query: WindowQuery, what: string) {
  expect(
    actual.map((s) => s.messageKey),
    what,
  ).toEqual(expected.map((s) => s.messageKey));
  for (const [i, want] of expected.entries()) {
    const got = actual[i]!;
    const label = `${what} [${want.messageKey}] ${query.statistic}`;
    expect({ logs: got.logs, samples: got.samples, above: got.above }, label).toEqual({
      logs: want.logs,
      samples: want.samples,
      above: want.above,
    });
    if (want.value === null) {
      expect(got.value, label).toBeNull();
      continue;
    }
    expect(got.value, label).toBeTypeOf('number');
    const tolerance = isPercentile(query) ? Math.abs(want.value) * 0.01 + 1e-9 : Math.abs(want.value) * 1e-9 + 1e-9;
    expect(Math.abs(got.value! - want.value), `${label}: ${got.value} vs ${want.value}`).toBeLessThanOrEqual(tolerance);
  }
}
