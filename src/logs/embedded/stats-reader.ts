import type SQLite from 'better-sqlite3';
import { type AppPage, type AppPageRequest, keyFigures, pageApps } from '../app-page.js';
import type { AppStats, BucketStats, SummaryLimits, SummaryStats, TimeRange } from '../source.js';
import { addDuration, type DurationStats, emptyDurationStats, mergeDurationStats } from './duration-stats.js';
import { addEncoded, percentile } from './histogram.js';
import { planRange, spansDividing } from './range-plan.js';
import { UNKNOWN_LEVEL } from './rollup-writer.js';
import { ROLLUP_SPANS, SCOPE_ALL, SCOPE_APP, SERIES_SPANS } from './schema.js';

const MAX_BUCKETS = 100_000;
/** localeCompare's order at a fraction of its cost over 100,000 names. */
const collator = new Intl.Collator();

const average = (a: DurationStats) => (a.durationCount > 0 ? a.durationSum / a.durationCount : null);
const p95 = (a: DurationStats) => percentile(a.histogram, 0.95, a.durationMax);

type Row = Record<string, number | string | Uint8Array | null>;

/** Adds one rollup_stats row (columns c, dc, ds, dm, h) to an aggregate. */
function addRollupRow(target: DurationStats, row: Row): void {
  target.count += row.c as number;
  target.durationCount += row.dc as number;
  target.durationSum += row.ds as number;
  const max = row.dm as number | null;
  if (max !== null && (target.durationMax === null || max > target.durationMax)) target.durationMax = max;
  addEncoded(target.histogram, row.h as Uint8Array | null);
}
const key2 = (app: string, messageKey: string) => `${app}\u0000${messageKey}`;

/**
 * Dashboard figures over any range: whole hours, 5 minutes and minutes from the rollups, the
 * ragged edges from raw rows (see planRange). Time series and per-app totals read the per-app
 * and all-apps rollups (rollup_series); per-key figures and levels their own tables. Logs without an app count in totals and levels but in
 * no per-app figure; logs without a level count as level "unknown".
 */
export class StatsReader {
  private readonly s: Record<string, SQLite.Statement>;

  constructor(db: SQLite.Database) {
    const inSpan = 'span = ? AND start >= ? AND start < ?';
    const inTime = 'time >= ? AND time < ?';
    // Reads of chosen apps go through the app-led indexes (schema.ts, version 4), named because
    // SQLite, without statistics, would pick the primary keys that lead with the period.
    const appLed = (table: string) => `${table} INDEXED BY ${table}_app`;
    const statements = {
      summaryRollup: `SELECT app, sum(count) AS c, sum(duration_count) AS dc, sum(duration_sum) AS ds
        FROM rollup_series WHERE ${inSpan} AND scope = ${SCOPE_APP} GROUP BY app`,
      summaryRollupApp: `SELECT app, sum(count) AS c, sum(duration_count) AS dc, sum(duration_sum) AS ds
        FROM ${appLed('rollup_series')} WHERE ${inSpan} AND scope = ${SCOPE_APP} AND app = ? GROUP BY app`,
      summaryRaw: `SELECT coalesce(app, '') AS app, count(*) AS c, count(duration_ms) AS dc, total(duration_ms) AS ds
        FROM logs WHERE ${inTime} GROUP BY 1`,
      summaryRawApp: `SELECT app, count(*) AS c, count(duration_ms) AS dc, total(duration_ms) AS ds
        FROM logs WHERE ${inTime} AND app = ? GROUP BY 1`,
      levelsRollup: `SELECT level, sum(count) AS c FROM rollup_levels WHERE ${inSpan} GROUP BY level`,
      levelsRollupApp: `SELECT level, sum(count) AS c FROM ${appLed('rollup_levels')} WHERE ${inSpan} AND app = ? GROUP BY level`,
      levelsRaw: `SELECT coalesce(level, '${UNKNOWN_LEVEL}') AS level, count(*) AS c FROM logs WHERE ${inTime} GROUP BY 1`,
      levelsRawApp: `SELECT coalesce(level, '${UNKNOWN_LEVEL}') AS level, count(*) AS c FROM logs
        WHERE ${inTime} AND app = ? GROUP BY 1`,
      seriesRollup: `SELECT start, count AS c, duration_count AS dc, duration_sum AS ds, duration_max AS dm,
        histogram AS h FROM ${appLed('rollup_series')} WHERE ${inSpan} AND scope = ${SCOPE_ALL} AND app = ''`,
      seriesRollupApp: `SELECT start, count AS c, duration_count AS dc, duration_sum AS ds, duration_max AS dm,
        histogram AS h FROM ${appLed('rollup_series')} WHERE ${inSpan} AND scope = ${SCOPE_APP} AND app = ?`,
      seriesRaw: `SELECT time, duration_ms AS d FROM logs WHERE ${inTime}`,
      seriesRawApp: `SELECT time, duration_ms AS d FROM logs WHERE app = ? AND ${inTime}`,
      appsRollup: `SELECT app, message_key AS k, count AS c, duration_count AS dc, duration_sum AS ds,
        duration_max AS dm, histogram AS h FROM rollup_stats WHERE ${inSpan} AND app <> ''`,
      appsRaw: `SELECT app, coalesce(message_key, '') AS k, duration_ms AS d FROM logs
        WHERE ${inTime} AND app IS NOT NULL`,
      appTotalsRollup: `SELECT app, count AS c, duration_count AS dc, duration_sum AS ds, duration_max AS dm,
        histogram AS h FROM rollup_series WHERE ${inSpan} AND scope = ${SCOPE_APP} AND app <> ''`,
      appTotalsRaw: `SELECT app, duration_ms AS d FROM logs WHERE ${inTime} AND app IS NOT NULL AND app <> ''`,
      keysOfAppsRollup: `SELECT app, message_key AS k, count AS c, duration_count AS dc, duration_sum AS ds,
        duration_max AS dm, histogram AS h FROM ${appLed('rollup_stats')}
        WHERE ${inSpan} AND app IN (SELECT value FROM json_each(?))`,
      keysOfAppsRaw: `SELECT app, coalesce(message_key, '') AS k, duration_ms AS d FROM logs
        WHERE ${inTime} AND app IN (SELECT value FROM json_each(?))`,
    };
    this.s = Object.fromEntries(Object.entries(statements).map(([name, text]) => [name, db.prepare(text)]));
  }

  /** Over every log of the range, or only `app`'s; the busiest apps and levels up to `limits`. */
  summary(range: TimeRange, app?: string, limits?: SummaryLimits): SummaryStats {
    // Per-app figures and levels each come from their own plan: every plan covers the range once.
    const one = app === undefined ? [] : [app];
    const s = (name: string) => this.s[app === undefined ? name : `${name}App`]!;
    const plan = planRange(range, SERIES_SPANS);
    const levelPlan = planRange(range, ROLLUP_SPANS);
    const apps = new Map<string, { count: number; durationCount: number; durationSumMs: number }>();
    const levels = new Map<string, number>();
    const addApp = (row: Row) => {
      const app = row.app as string;
      const entry = apps.get(app) ?? { count: 0, durationCount: 0, durationSumMs: 0 };
      entry.count += row.c as number;
      entry.durationCount += row.dc as number;
      entry.durationSumMs += (row.ds as number | null) ?? 0;
      apps.set(app, entry);
    };
    const addLevel = (row: Row) =>
      levels.set(row.level as string, (levels.get(row.level as string) ?? 0) + (row.c as number));
    for (const part of plan.rollups) {
      for (const row of s('summaryRollup').all(part.span, part.fromStart, part.toStart, ...one) as Row[]) addApp(row);
    }
    for (const raw of plan.raw) {
      for (const row of s('summaryRaw').all(raw.from, raw.to, ...one) as Row[]) addApp(row);
    }
    for (const part of levelPlan.rollups) {
      for (const row of s('levelsRollup').all(part.span, part.fromStart, part.toStart, ...one) as Row[]) addLevel(row);
    }
    for (const raw of levelPlan.raw) {
      for (const row of s('levelsRaw').all(raw.from, raw.to, ...one) as Row[]) addLevel(row);
    }
    let totalLogs = 0;
    let durationCount = 0;
    let durationSumMs = 0;
    for (const entry of apps.values()) {
      totalLogs += entry.count;
      durationCount += entry.durationCount;
      durationSumMs += entry.durationSumMs;
    }
    const byApp = [...apps]
      .filter(([app, entry]) => app !== '' && entry.count > 0)
      .map(([app, entry]) => ({ app, ...entry }))
      .sort((a, b) => b.count - a.count || collator.compare(a.app, b.app));
    const levelList = [...levels]
      .filter(([, count]) => count > 0)
      .map(([level, count]) => ({ level, count }))
      .sort((a, b) => b.count - a.count || collator.compare(a.level, b.level));
    return {
      totalLogs,
      durationCount,
      durationSumMs,
      byApp: limits ? byApp.slice(0, limits.apps) : byApp,
      appsTotal: byApp.length,
      levels: limits ? levelList.slice(0, limits.levels) : levelList,
      levelsTotal: levelList.length,
    };
  }

  /**
   * One page of the apps (see pageApps): every app's totals come from the per-app series
   * rollups and are ordered here; message keys are then read for the page's apps only.
   */
  appPage(range: TimeRange, request: AppPageRequest): AppPage {
    const page = pageApps(this.appTotals(range), { ...request, keysPerApp: 0 });
    const logged = page.apps.filter((a) => a.logs > 0).map((a) => a.app_name);
    if (request.keysPerApp <= 0 || logged.length === 0) return page;
    const keys = this.slowestKeysOf(range, logged, request.keysPerApp);
    return {
      ...page,
      apps: page.apps.map((a) => ({
        ...a,
        slowest_message_keys: keyFigures(keys.get(a.app_name) ?? [], request.keysPerApp),
      })),
    };
  }

  /** Every app's count and durations over the range, without message keys. */
  private appTotals(range: TimeRange): AppStats[] {
    const plan = planRange(range, SERIES_SPANS);
    const apps = new Map<string, DurationStats>();
    const entry = (app: string) => {
      let found = apps.get(app);
      if (!found) {
        found = emptyDurationStats();
        apps.set(app, found);
      }
      return found;
    };
    for (const part of plan.rollups) {
      for (const row of this.s.appTotalsRollup!.iterate(part.span, part.fromStart, part.toStart) as Iterable<Row>) {
        addRollupRow(entry(row.app as string), row);
      }
    }
    for (const raw of plan.raw) {
      for (const row of this.s.appTotalsRaw!.iterate(raw.from, raw.to) as Iterable<Row>) {
        const target = entry(row.app as string);
        target.count++;
        if (row.d !== null) addDuration(target, row.d as number);
      }
    }
    const stats: AppStats[] = [];
    for (const [app, total] of apps) {
      if (total.count === 0) continue;
      stats.push({
        app,
        count: total.count,
        avgMs: average(total),
        p95Ms: p95(total),
        maxMs: total.durationMax,
        slowestKeys: [],
      });
    }
    return stats;
  }

  /** The slowest message keys (by p95) of some apps over the range. */
  private slowestKeysOf(range: TimeRange, apps: string[], keysPerApp: number): Map<string, AppStats['slowestKeys']> {
    const list = JSON.stringify(apps);
    const plan = planRange(range, ROLLUP_SPANS);
    const byKey = new Map<string, { app: string; messageKey: string; aggregate: DurationStats }>();
    const entry = (app: string, messageKey: string) => {
      const id = key2(app, messageKey);
      let found = byKey.get(id);
      if (!found) {
        found = { app, messageKey, aggregate: emptyDurationStats() };
        byKey.set(id, found);
      }
      return found.aggregate;
    };
    for (const part of plan.rollups) {
      const rows = this.s.keysOfAppsRollup!.iterate(part.span, part.fromStart, part.toStart, list) as Iterable<Row>;
      for (const row of rows) addRollupRow(entry(row.app as string, row.k as string), row);
    }
    for (const raw of plan.raw) {
      for (const row of this.s.keysOfAppsRaw!.iterate(raw.from, raw.to, list) as Iterable<Row>) {
        const target = entry(row.app as string, row.k as string);
        target.count++;
        if (row.d !== null) addDuration(target, row.d as number);
      }
    }
    const keys = new Map<string, AppStats['slowestKeys']>();
    for (const { app, messageKey, aggregate } of byKey.values()) {
      if (aggregate.count === 0 || messageKey === '') continue;
      const appKeys = keys.get(app) ?? [];
      appKeys.push({
        messageKey,
        count: aggregate.count,
        avgMs: average(aggregate),
        p95Ms: p95(aggregate),
        maxMs: aggregate.durationMax,
      });
      keys.set(app, appKeys);
    }
    for (const appKeys of keys.values()) {
      appKeys.sort((a, b) => (b.p95Ms ?? -1) - (a.p95Ms ?? -1) || collator.compare(a.messageKey, b.messageKey));
      appKeys.splice(keysPerApp);
    }
    return keys;
  }

  timeseries(range: TimeRange, intervalMs: number, app?: string): BucketStats[] {
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new RangeError('interval must be a positive integer');
    const firstBucket = Math.floor(range.from / intervalMs) * intervalMs;
    if (range.to <= range.from) return [];
    if ((range.to - firstBucket) / intervalMs > MAX_BUCKETS) {
      throw new RangeError(`more than ${MAX_BUCKETS} buckets; choose a longer interval`);
    }
    const buckets = new Map<number, DurationStats>();
    for (let start = firstBucket; start < range.to; start += intervalMs) buckets.set(start, emptyDurationStats());
    const bucketAt = (time: number) => buckets.get(Math.floor(time / intervalMs) * intervalMs)!;

    const plan = planRange(range, spansDividing(intervalMs, SERIES_SPANS));
    const appArg = app === undefined ? [] : [app];
    for (const part of plan.rollups) {
      const args = [part.span, part.fromStart, part.toStart, ...appArg];
      const stats = app === undefined ? this.s.seriesRollup! : this.s.seriesRollupApp!;
      for (const row of stats.iterate(...args) as Iterable<Row>) addRollupRow(bucketAt(row.start as number), row);
    }
    for (const raw of plan.raw) {
      const rows =
        app === undefined
          ? this.s.seriesRaw!.iterate(raw.from, raw.to)
          : this.s.seriesRawApp!.iterate(app, raw.from, raw.to);
      for (const row of rows as Iterable<Row>) {
        const target = bucketAt(row.time as number);
        target.count++;
        if (row.d !== null) addDuration(target, row.d as number);
      }
    }
    return [...buckets].map(([start, a]) => ({ start, count: a.count, avgMs: average(a), p95Ms: p95(a) }));
  }

  appStats(range: TimeRange, keysPerApp: number): AppStats[] {
    const plan = planRange(range, ROLLUP_SPANS);
    const byKey = new Map<string, { app: string; messageKey: string; aggregate: DurationStats }>();
    const entry = (app: string, messageKey: string) => {
      const id = key2(app, messageKey);
      let found = byKey.get(id);
      if (!found) {
        found = { app, messageKey, aggregate: emptyDurationStats() };
        byKey.set(id, found);
      }
      return found.aggregate;
    };
    for (const part of plan.rollups) {
      const args = [part.span, part.fromStart, part.toStart];
      for (const row of this.s.appsRollup!.iterate(...args) as Iterable<Row>) {
        addRollupRow(entry(row.app as string, row.k as string), row);
      }
    }
    for (const raw of plan.raw) {
      for (const row of this.s.appsRaw!.iterate(raw.from, raw.to) as Iterable<Row>) {
        const target = entry(row.app as string, row.k as string);
        target.count++;
        if (row.d !== null) addDuration(target, row.d as number);
      }
    }

    const apps = new Map<string, { total: DurationStats; keys: AppStats['slowestKeys'] }>();
    for (const { app, messageKey, aggregate } of byKey.values()) {
      if (aggregate.count === 0) continue;
      let appEntry = apps.get(app);
      if (!appEntry) {
        appEntry = { total: emptyDurationStats(), keys: [] };
        apps.set(app, appEntry);
      }
      mergeDurationStats(appEntry.total, aggregate);
      if (messageKey !== '') {
        appEntry.keys.push({
          messageKey,
          count: aggregate.count,
          avgMs: average(aggregate),
          p95Ms: p95(aggregate),
          maxMs: aggregate.durationMax,
        });
      }
    }
    return [...apps]
      .map(([app, { total, keys }]) => ({
        app,
        count: total.count,
        avgMs: average(total),
        p95Ms: p95(total),
        maxMs: total.durationMax,
        slowestKeys: keys
          .sort((a, b) => (b.p95Ms ?? -1) - (a.p95Ms ?? -1) || collator.compare(a.messageKey, b.messageKey))
          .slice(0, Math.max(0, keysPerApp)),
      }))
      .sort((a, b) => b.count - a.count || collator.compare(a.app, b.app));
  }
}
