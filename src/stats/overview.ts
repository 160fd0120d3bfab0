import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LogSource, SummaryStats, TimeRange } from '../logs/source.js';
import { violationsByType } from '../violations/violation-store.js';
import { percentOf, roundMs } from './rounding.js';
import { iso } from './time-range.js';

export interface Overview {
  from: string;
  to: string;
  total_logs: number;
  active_apps: { total: number; apps: string[] };
  violations: { total: number; by_type: { app: number; message: number }; violation_rate: number };
  avg_duration: { overall_ms: number | null; by_app: { app_name: string; avg_ms: number | null; count: number }[] };
  log_level_distribution: { level: string; count: number }[];
}

/**
 * `GET /dashboard/overview`: log figures from the source, violations from the state database;
 * of every app, or of `app` only.
 */
export async function computeOverview(
  source: LogSource,
  db: Kysely<Database>,
  range: TimeRange,
  app?: string,
): Promise<Overview> {
  const [summary, byType] = await Promise.all([source.summary(range, app), violationsByType(db, range, app)]);
  return buildOverview(range, summary, byType);
}

export function buildOverview(
  range: TimeRange,
  summary: SummaryStats,
  byType: { app: number; message: number },
): Overview {
  const apps = summary.byApp.filter((a) => a.app !== '' && a.count > 0);
  const total = byType.app + byType.message;
  return {
    from: iso(range.from),
    to: iso(range.to),
    total_logs: summary.totalLogs,
    active_apps: { total: apps.length, apps: apps.map((a) => a.app).sort() },
    violations: { total, by_type: byType, violation_rate: percentOf(total, summary.totalLogs) },
    avg_duration: {
      overall_ms: average(summary.durationSumMs, summary.durationCount),
      by_app: apps
        .map((a) => ({ app_name: a.app, avg_ms: average(a.durationSumMs, a.durationCount), count: a.count }))
        .sort((x, y) => (y.avg_ms ?? -1) - (x.avg_ms ?? -1) || x.app_name.localeCompare(y.app_name)),
    },
    log_level_distribution: summary.levels
      .filter((l) => l.count > 0)
      .map((l) => ({ level: l.level, count: l.count }))
      .sort((x, y) => y.count - x.count || x.level.localeCompare(y.level)),
  };
}

function average(sum: number, count: number): number | null {
  return count > 0 ? roundMs(sum / count) : null;
}
