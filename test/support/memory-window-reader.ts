import type { WindowQuery, WindowSeries, WindowStatsReader } from '../../src/logs/window-stats.js';

/** A log as the in-memory reader holds it. */
export interface MemoryLog {
  time: number;
  app: string;
  key?: string;
  /** ms; undefined: a log without duration. */
  duration?: number;
}

/**
 * Window statistics computed by brute force over logs in memory (nearest-rank percentiles),
 * for evaluation tests that need no log store. `fail` makes the next reads throw.
 */
export function memoryWindowReader(logs: MemoryLog[]): WindowStatsReader & { reads: number; fail: boolean } {
  const reader = Object.assign(
    async (queries: readonly WindowQuery[]): Promise<WindowSeries[][]> => {
      reader.reads++;
      if (reader.fail) throw new Error('log source unavailable');
      return queries.map((q) => answer(logs, q));
    },
    { reads: 0, fail: false },
  );
  return reader;
}

function answer(logs: MemoryLog[], q: WindowQuery): WindowSeries[] {
  const inRange = logs.filter(
    (l) =>
      l.app === q.app &&
      l.time >= q.range.from &&
      l.time < q.range.to &&
      (q.messageKey === null || l.key === q.messageKey),
  );
  if (!(q.perKey && q.messageKey === null)) return [series(q.messageKey, inRange, q)];
  const byKey = new Map<string, MemoryLog[]>();
  for (const l of inRange) {
    if (l.key === undefined) continue;
    byKey.set(l.key, [...(byKey.get(l.key) ?? []), l]);
  }
  return [...byKey.entries()]
    .map(([key, own]) => series(key, own, q))
    .sort((a, b) => b.samples - a.samples || String(a.messageKey).localeCompare(String(b.messageKey)))
    .slice(0, q.maxSeries);
}

function series(messageKey: string | null, logs: MemoryLog[], q: WindowQuery): WindowSeries {
  const durations = logs
    .map((l) => l.duration)
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => a - b);
  const above = q.countAboveMs === undefined ? {} : { above: durations.filter((d) => d > q.countAboveMs!).length };
  return { messageKey, logs: logs.length, samples: durations.length, value: statistic(durations, q), ...above };
}

function statistic(sorted: number[], q: WindowQuery): number | null {
  if (sorted.length === 0) return null;
  const rank = (p: number) => sorted[Math.min(Math.max(Math.ceil((p / 100) * sorted.length), 1), sorted.length) - 1]!;
  switch (q.statistic) {
    case 'p50':
      return rank(50);
    case 'p90':
      return rank(90);
    case 'p95':
      return rank(95);
    case 'p99':
      return rank(99);
    case 'avg':
      return sorted.reduce((a, b) => a + b, 0) / sorted.length;
    case 'max':
      return sorted[sorted.length - 1]!;
    case 'slow_ratio':
      return (sorted.filter((d) => d > (q.slowMs ?? 0)).length / sorted.length) * 100;
  }
}
