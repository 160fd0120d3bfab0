import type SQLite from 'better-sqlite3';
import type { LogFields } from '../log-record.js';
import { addDuration, type DurationStats, emptyDurationStats, mergeDurationStats } from './duration-stats.js';
import { encodeHistogram, mergeEncoded } from './histogram.js';
import { HOUR_MS, MINUTE_MS, SCOPE_ALL, SCOPE_APP, SERIES_SPANS } from './schema.js';

/** What one (period, app, message key) group adds to the rollups. */
interface Group extends DurationStats {
  levels: Map<string, number>;
}

/** start → app → message key → group */
type Groups = Map<number, Map<string, Map<string, Group>>>;
/** start → app → durations; the all-apps row of a period under ALL_APPS */
type SeriesGroups = Map<number, Map<string | typeof ALL_APPS, DurationStats>>;

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

function seriesFor(groups: SeriesGroups, start: number, app: string | typeof ALL_APPS): DurationStats {
  let apps = groups.get(start);
  if (!apps) {
    apps = new Map();
    groups.set(start, apps);
  }
  let found = apps.get(app);
  if (!found) {
    found = emptyDurationStats();
    apps.set(app, found);
  }
  return found;
}

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
    const hours: Groups = new Map();
    const minuteSeries: SeriesGroups = new Map();
    for (const [minute, apps] of this.minutes) {
      const hour = Math.floor(minute / HOUR_MS) * HOUR_MS;
      for (const [app, keys] of apps) {
        const ofApp = seriesFor(minuteSeries, minute, app);
        for (const [key, group] of keys) {
          mergeInto(groupFor(hours, hour, app, key), group);
          mergeDurationStats(ofApp, group);
        }
        mergeDurationStats(seriesFor(minuteSeries, minute, ALL_APPS), ofApp);
      }
    }
    this.write(MINUTE_MS, this.minutes);
    this.write(HOUR_MS, hours);
    for (const span of SERIES_SPANS) {
      if (span === MINUTE_MS) {
        this.writeSeries(span, minuteSeries);
        continue;
      }
      const longer: SeriesGroups = new Map();
      for (const [minute, apps] of minuteSeries) {
        const start = Math.floor(minute / span) * span;
        for (const [app, durations] of apps) mergeDurationStats(seriesFor(longer, start, app), durations);
      }
      this.writeSeries(span, longer);
    }
    this.minutes = new Map();
  }

  discard(): void {
    this.minutes = new Map();
  }

  private write(span: number, groups: Groups): void {
    for (const [start, apps] of groups) {
      for (const [app, keys] of apps) {
        const levels = new Map<string, number>();
        for (const [key, g] of keys) {
          const histogram = encodeHistogram(g.histogram);
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
          for (const [level, count] of g.levels) levels.set(level, (levels.get(level) ?? 0) + count);
        }
        for (const [level, count] of levels) this.upsertLevel.run(span, start, app, level, count);
      }
    }
  }

  private writeSeries(span: number, groups: SeriesGroups): void {
    for (const [start, apps] of groups) {
      for (const [app, d] of apps) {
        this.upsertSeries.run(
          span,
          start,
          app === ALL_APPS ? SCOPE_ALL : SCOPE_APP,
          app === ALL_APPS ? '' : app,
          d.count,
          d.durationCount,
          d.durationSum,
          d.durationMax,
          encodeHistogram(d.histogram),
        );
      }
    }
  }
}
