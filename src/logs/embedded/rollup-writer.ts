import type SQLite from 'better-sqlite3';
import type { LogFields } from '../log-record.js';
import { addDuration, type DurationStats, emptyDurationStats, mergeDurationStats } from './duration-stats.js';
import { encodeHistogram, mergeEncoded } from './histogram.js';
import { HOUR_MS, MINUTE_MS, ROLLUP_SPANS, SCOPE_ALL, SCOPE_APP, SERIES_SPANS } from './schema.js';

/** What one (period, app, message key) group adds to the rollups. */
interface Group extends DurationStats {
  levels: Map<string, number>;
}

/** start → app → message key → group */
type Groups = Map<number, Map<string, Map<string, Group>>>;
/** app → durations of one period; the all-apps row under ALL_APPS */
type AppSeries = Map<string | typeof ALL_APPS, DurationStats>;
/** A rollup row's span and start. */
type Period = readonly [span: number, start: number];

const ALL_APPS = Symbol('all apps');

export const UNKNOWN_LEVEL = 'unknown';

function groupFor(groups: Groups, start: number, app: string, key: string): Group {
  let apps = groups.get(start);
  if (!apps) {
    apps = new Map();
    groups.set(start, apps);
  }
  let keys = apps.get(app);
  if (!keys) {
    keys = new Map();
    apps.set(app, keys);
  }
  let group = keys.get(key);
  if (!group) {
    group = { ...emptyDurationStats(), levels: new Map() };
    keys.set(key, group);
  }
  return group;
}

/** The series of one period's groups: each app's figures, and all apps' after them. */
function appSeries(apps: Map<string, Map<string, Group>>): AppSeries {
  const series: AppSeries = new Map();
  const all = emptyDurationStats();
  for (const [app, keys] of apps) {
    const ofApp = emptyDurationStats();
    for (const group of keys.values()) mergeDurationStats(ofApp, group);
    series.set(app, ofApp);
    mergeDurationStats(all, ofApp);
  }
  series.set(ALL_APPS, all);
  return series;
}

/** The periods of the given spans that hold a minute. */
const spansOf = (spans: readonly number[], minute: number): Period[] =>
  spans.map((span) => [span, Math.floor(minute / span) * span] as const);

function mergeInto(target: Group, source: Group): void {
  mergeDurationStats(target, source);
  for (const [level, count] of source.levels) target.levels.set(level, (target.levels.get(level) ?? 0) + count);
}

const MERGE_SET = `
        count = count + excluded.count,
        duration_count = duration_count + excluded.duration_count,
        duration_sum = duration_sum + excluded.duration_sum,
        duration_max = max(coalesce(duration_max, excluded.duration_max), coalesce(excluded.duration_max, duration_max)),
        histogram = lagwatch_merge_histogram(histogram, excluded.histogram)`;

/**
 * Collects the rollup increments of one ingest transaction in memory, then writes each
 * distinct row (per minute and hour: app and message key, app and level; per minute,
 * 5 minutes and hour: app, and all apps) once as an upsert, so rollups cost little per log.
 */
export class RollupWriter {
  private readonly upsertStats: SQLite.Statement;
  private readonly upsertLevel: SQLite.Statement;
  private readonly upsertSeries: SQLite.Statement;
  private minutes: Groups = new Map();

  constructor(db: SQLite.Database) {
    db.function('lagwatch_merge_histogram', { deterministic: true }, (a, b) =>
      mergeEncoded(a as Uint8Array | null, b as Uint8Array | null),
    );
    this.upsertStats = db.prepare(`
      INSERT INTO rollup_stats (span, start, app, message_key, count, duration_count, duration_sum, duration_max, histogram)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (span, start, app, message_key) DO UPDATE SET ${MERGE_SET}`);
    this.upsertLevel = db.prepare(`
      INSERT INTO rollup_levels (span, start, app, level, count) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (span, start, app, level) DO UPDATE SET count = count + excluded.count`);
    this.upsertSeries = db.prepare(`
      INSERT INTO rollup_series (span, start, scope, app, count, duration_count, duration_sum, duration_max, histogram)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (span, start, scope, app) DO UPDATE SET ${MERGE_SET}`);
  }

  add(log: LogFields): void {
    const minute = Math.floor(log.time / MINUTE_MS) * MINUTE_MS;
    const group = groupFor(this.minutes, minute, log.app ?? '', log.messageKey ?? '');
    group.count++;
    const level = log.level ?? UNKNOWN_LEVEL;
    group.levels.set(level, (group.levels.get(level) ?? 0) + 1);
    const ms = log.durationMs;
    if (ms !== null) addDuration(group, ms);
  }

  /** Writes everything collected (call inside the ingest transaction) and starts afresh. */
  flush(): void {
    const minutes = this.minutes;
    this.minutes = new Map();
    if (minutes.size === 1) {
      // One minute (the usual ingest: a body's logs were sent together). Its hour rows and its
      // 5-minute and hour series rows hold exactly the minute rows' figures, so each row's
      // figures are summed and its histogram encoded once, for every span.
      const [[minute, apps]] = minutes;
      this.write(spansOf(ROLLUP_SPANS, minute), apps);
      this.writeSeries(spansOf(SERIES_SPANS, minute), appSeries(apps));
      return;
    }
    const hours: Groups = new Map();
    const minuteSeries = new Map<number, AppSeries>();
    for (const [minute, apps] of minutes) {
      const hour = Math.floor(minute / HOUR_MS) * HOUR_MS;
      for (const [app, keys] of apps) {
        for (const [key, group] of keys) mergeInto(groupFor(hours, hour, app, key), group);
      }
      minuteSeries.set(minute, appSeries(apps));
    }
    for (const [minute, apps] of minutes) this.write([[MINUTE_MS, minute]], apps);
    for (const [hour, apps] of hours) this.write([[HOUR_MS, hour]], apps);
    for (const span of SERIES_SPANS) {
      if (span === MINUTE_MS) {
        for (const [minute, series] of minuteSeries) this.writeSeries([[span, minute]], series);
        continue;
      }
      const longer = new Map<number, AppSeries>();
      for (const [minute, series] of minuteSeries) {
        const start = Math.floor(minute / span) * span;
        let merged = longer.get(start);
        if (!merged) {
          merged = new Map();
          longer.set(start, merged);
        }
        for (const [app, durations] of series) {
          let target = merged.get(app);
          if (!target) {
            target = emptyDurationStats();
            merged.set(app, target);
          }
          mergeDurationStats(target, durations);
        }
      }
      for (const [start, series] of longer) this.writeSeries([[span, start]], series);
    }
  }

  discard(): void {
    this.minutes = new Map();
  }

  /** Upserts the rows of one period's groups (app and message key, app and level) under every (span, start) given. */
  private write(periods: readonly Period[], apps: Map<string, Map<string, Group>>): void {
    for (const [app, keys] of apps) {
      const levels = new Map<string, number>();
      for (const [key, g] of keys) {
        const histogram = encodeHistogram(g.histogram);
        for (const [span, start] of periods) {
          this.upsertStats.run(
            span,
            start,
            app,
            key,
            g.count,
            g.durationCount,
            g.durationSum,
            g.durationMax,
            histogram,
          );
        }
        for (const [level, count] of g.levels) levels.set(level, (levels.get(level) ?? 0) + count);
      }
      for (const [level, count] of levels) {
        for (const [span, start] of periods) this.upsertLevel.run(span, start, app, level, count);
      }
    }
  }

  /** Upserts the series rows (per app, and all apps) of one period under every (span, start) given. */
  private writeSeries(periods: readonly Period[], series: AppSeries): void {
    for (const [app, d] of series) {
      const histogram = encodeHistogram(d.histogram);
      for (const [span, start] of periods) {
        this.upsertSeries.run(
          span,
          start,
          app === ALL_APPS ? SCOPE_ALL : SCOPE_APP,
          app === ALL_APPS ? '' : app,
          d.count,
          d.durationCount,
          d.durationSum,
          d.durationMax,
          histogram,
        );
      }
    }
  }
}
