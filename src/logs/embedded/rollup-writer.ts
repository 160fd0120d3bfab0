import type SQLite from 'better-sqlite3';
import type { LogFields } from '../log-record.js';
import { addToHistogram, bucketOf, type Histogram } from './histogram.js';
import { HOUR_MS, MINUTE_MS } from './schema.js';

/** What one (period, app, message key) group adds to the rollups. */
interface Group {
  count: number;
  durationCount: number;
  durationSum: number;
  durationMax: number | null;
  histogram: Histogram;
  levels: Map<string, number>;
}

/** start → app → message key → group */
type Groups = Map<number, Map<string, Map<string, Group>>>;

export const UNKNOWN_LEVEL = 'unknown';

function newGroup(): Group {
  return { count: 0, durationCount: 0, durationSum: 0, durationMax: null, histogram: new Map(), levels: new Map() };
}

function groupFor(groups: Groups, start: number, app: string, key: string): Group {
  let apps = groups.get(start);
  if (!apps) groups.set(start, (apps = new Map()));
  let keys = apps.get(app);
  if (!keys) apps.set(app, (keys = new Map()));
  let group = keys.get(key);
  if (!group) keys.set(key, (group = newGroup()));
  return group;
}

function mergeInto(target: Group, source: Group): void {
  target.count += source.count;
  target.durationCount += source.durationCount;
  target.durationSum += source.durationSum;
  if (source.durationMax !== null && (target.durationMax === null || source.durationMax > target.durationMax)) {
    target.durationMax = source.durationMax;
  }
  for (const [bucket, count] of source.histogram) addToHistogram(target.histogram, bucket, count);
  for (const [level, count] of source.levels) target.levels.set(level, (target.levels.get(level) ?? 0) + count);
}

/**
 * Collects the rollup increments of one ingest transaction in memory, then writes each
 * distinct (minute/hour, app, message key) once as an upsert, so rollups cost little per log.
 */
export class RollupWriter {
  private readonly upsertStats: SQLite.Statement;
  private readonly upsertLevel: SQLite.Statement;
  private readonly upsertBucket: SQLite.Statement;
  private minutes: Groups = new Map();

  constructor(db: SQLite.Database) {
    this.upsertStats = db.prepare(`
      INSERT INTO rollup_stats (span, start, app, message_key, count, duration_count, duration_sum, duration_max)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (span, start, app, message_key) DO UPDATE SET
        count = count + excluded.count,
        duration_count = duration_count + excluded.duration_count,
        duration_sum = duration_sum + excluded.duration_sum,
        duration_max = max(coalesce(duration_max, excluded.duration_max), coalesce(excluded.duration_max, duration_max))`);
    this.upsertLevel = db.prepare(`
      INSERT INTO rollup_levels (span, start, app, level, count) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (span, start, app, level) DO UPDATE SET count = count + excluded.count`);
    this.upsertBucket = db.prepare(`
      INSERT INTO rollup_histogram (span, start, app, message_key, bucket, count) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (span, start, app, message_key, bucket) DO UPDATE SET count = count + excluded.count`);
  }

  add(log: LogFields): void {
    const minute = Math.floor(log.time / MINUTE_MS) * MINUTE_MS;
    const group = groupFor(this.minutes, minute, log.app ?? '', log.messageKey ?? '');
    group.count++;
    const level = log.level ?? UNKNOWN_LEVEL;
    group.levels.set(level, (group.levels.get(level) ?? 0) + 1);
    const ms = log.durationMs;
    if (ms !== null) {
      group.durationCount++;
      group.durationSum += ms;
      if (group.durationMax === null || ms > group.durationMax) group.durationMax = ms;
      addToHistogram(group.histogram, bucketOf(ms), 1);
    }
  }

  /** Writes everything collected (call inside the ingest transaction) and starts afresh. */
  flush(): void {
    const hours: Groups = new Map();
    for (const [minute, apps] of this.minutes) {
      const hour = Math.floor(minute / HOUR_MS) * HOUR_MS;
      for (const [app, keys] of apps) {
        for (const [key, group] of keys) mergeInto(groupFor(hours, hour, app, key), group);
      }
    }
    this.write(MINUTE_MS, this.minutes);
    this.write(HOUR_MS, hours);
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
          this.upsertStats.run(span, start, app, key, g.count, g.durationCount, g.durationSum, g.durationMax);
          for (const [bucket, count] of g.histogram) this.upsertBucket.run(span, start, app, key, bucket, count);
          for (const [level, count] of g.levels) levels.set(level, (levels.get(level) ?? 0) + count);
        }
        for (const [level, count] of levels) this.upsertLevel.run(span, start, app, level, count);
      }
    }
  }
}
