import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AppStats, LogSource, TimeRange } from '../logs/source.js';
import { violationsPerApp } from '../violations/violation-store.js';
import type { AppSort, AppSortColumn } from './app-sort.js';
import { percentOf, roundMs } from './rounding.js';
import { iso } from './time-range.js';

/** How many of each app's slowest message keys `/dashboard/apps` lists. */
export const SLOWEST_KEYS_PER_APP = 5;

export interface AppFigures {
  app_name: string;
  logs: number;
  avg_ms: number | null;
  p95_ms: number | null;
  max_ms: number | null;
  violations: number;
  violation_rate: number;
  slowest_message_keys: {
    message_key: string;
    count: number;
    avg_ms: number | null;
    p95_ms: number | null;
    max_ms: number | null;
  }[];
}

export interface AppsReport {
  from: string;
  to: string;
  apps: AppFigures[];
}

/** `GET /dashboard/apps`: per app figures from the source, its violations from the state database. */
export async function computeApps(
  source: LogSource,
  db: Kysely<Database>,
  range: TimeRange,
  sort?: AppSort,
  keysPerApp = SLOWEST_KEYS_PER_APP,
): Promise<AppsReport> {
  const [stats, violations] = await Promise.all([source.appStats(range, keysPerApp), violationsPerApp(db, range)]);
  return buildApps(range, stats, violations, sort);
}

/**
 * Apps with logs in the range, plus apps with recorded violations but no logs left in the
 * source (retention). Every source answers with all its apps, so sorting here orders them all:
 * by `sort` (figures without a value last either way, ties by name), else by violations, then
 * p95, both descending.
 */
export function buildApps(
  range: TimeRange,
  stats: AppStats[],
  violations: ReadonlyMap<string, number>,
  sort?: AppSort,
): AppsReport {
  const apps: AppFigures[] = stats
    .filter((s) => s.app !== '')
    .map((s) => {
      const count = violations.get(s.app) ?? 0;
      return {
        app_name: s.app,
        logs: s.count,
        avg_ms: roundMs(s.avgMs),
        p95_ms: roundMs(s.p95Ms),
        max_ms: roundMs(s.maxMs),
        violations: count,
        violation_rate: percentOf(count, s.count),
        slowest_message_keys: s.slowestKeys.map((k) => ({
          message_key: k.messageKey,
          count: k.count,
          avg_ms: roundMs(k.avgMs),
          p95_ms: roundMs(k.p95Ms),
          max_ms: roundMs(k.maxMs),
        })),
      };
    });
  const seen = new Set(apps.map((a) => a.app_name));
  for (const [app, count] of violations) {
    if (seen.has(app)) continue;
    apps.push({
      app_name: app,
      logs: 0,
      avg_ms: null,
      p95_ms: null,
      max_ms: null,
      violations: count,
      violation_rate: 0,
      slowest_message_keys: [],
    });
  }
  apps.sort(sort === undefined ? byDefaultOrder : bySort(sort));
  return { from: iso(range.from), to: iso(range.to), apps };
}

function byDefaultOrder(x: AppFigures, y: AppFigures): number {
  return y.violations - x.violations || (y.p95_ms ?? -1) - (x.p95_ms ?? -1) || x.app_name.localeCompare(y.app_name);
}

function bySort(sort: AppSort): (x: AppFigures, y: AppFigures) => number {
  const descending = sort.startsWith('-');
  const column = (descending ? sort.slice(1) : sort) as AppSortColumn;
  const sign = descending ? -1 : 1;
  if (column === 'app_name') return (x, y) => sign * x.app_name.localeCompare(y.app_name);
  return (x, y) => {
    const a = x[column];
    const b = y[column];
    if (a === null || b === null) return a === b ? x.app_name.localeCompare(y.app_name) : a === null ? 1 : -1;
    return sign * (a - b) || x.app_name.localeCompare(y.app_name);
  };
}
