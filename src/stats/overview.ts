import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LogSource, SummaryLimits, SummaryStats, TimeRange } from '../logs/source.js';
import { violationsByType } from '../violations/violation-store.js';
import { OVERVIEW_LIMITS } from './overview-limits.js';
import { percentOf, roundMs } from './rounding.js';
import { iso } from './time-range.js';

export { OVERVIEW_LIMITS } from './overview-limits.js';

export interface Overview {
  from: string;
  to: string;
  total_logs: number;
  active_apps: { total: number; apps: string[]; truncated: boolean };
  violations: { total: number; by_type: { app: number; message: number }; violation_rate: number };
  avg_duration: {
    overall_ms: number | null;
    by_app: { app_name: string; avg_ms: number | null; count: number }[];
    by_app_total: number;
    truncated: boolean;
  };
  log_level_distribution: { level: string; count: number }[];
  log_level_total: number;
  log_level_truncated: boolean;
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
  limits: SummaryLimits = OVERVIEW_LIMITS,
): Promise<Overview> {
  const [summary, byType] = await Promise.all([source.summary(range, app, limits), violationsByType(db, range, app)]);
  return buildOverview(range, summary, byType, limits);
}

export function buildOverview(
  range: TimeRange,
  summary: SummaryStats,
  byType: { app: number; message: number },
  limits: SummaryLimits = OVERVIEW_LIMITS,
): Overview {
  // The source lists the busiest apps and most frequent levels first; it may list more than asked.
  const apps = summary.byApp.filter((a) => a.app !== '' && a.count > 0).slice(0, limits.apps);
  const levels = summary.levels.filter((l) => l.count > 0).slice(0, limits.levels);
  const appsTotal = Math.max(summary.appsTotal, apps.length);
  const levelsTotal = Math.max(summary.levelsTotal, levels.length);
  const total = byType.app + byType.message;
  return {
    from: iso(range.from),
    to: iso(range.to),
    total_logs: summary.totalLogs,
    active_apps: {
      total: appsTotal,
      apps: apps.map((a) => a.app).sort(),
      truncated: apps.length < appsTotal,
    },
    violations: { total, by_type: byType, violation_rate: percentOf(total, summary.totalLogs) },
    avg_duration: {
      overall_ms: average(summary.durationSumMs, summary.durationCount),
      by_app: apps
        .map((a) => ({ app_name: a.app, avg_ms: average(a.durationSumMs, a.durationCount), count: a.count }))
        .sort((x, y) => (y.avg_ms ?? -1) - (x.avg_ms ?? -1) || x.app_name.localeCompare(y.app_name)),
      by_app_total: appsTotal,
      truncated: apps.length < appsTotal,
    },
    log_level_distribution: levels
      .map((l) => ({ level: l.level, count: l.count }))
      .sort((x, y) => y.count - x.count || x.level.localeCompare(y.level)),
    log_level_total: levelsTotal,
    log_level_truncated: levels.length < levelsTotal,
  };
}

function average(sum: number, count: number): number | null {
  return count > 0 ? roundMs(sum / count) : null;
}
