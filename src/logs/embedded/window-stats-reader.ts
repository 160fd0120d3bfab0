import type SQLite from 'better-sqlite3';
import type { TimeRange } from '../time-range.js';
import { assertWindowQuery, busiestFirst, emptySeries, isPerKey, percentileOf } from '../window-query.js';
import type { WindowQuery, WindowSeries } from '../window-stats.js';
import { AboveCountCache } from './above-count-cache.js';
import { addDuration, type DurationStats, emptyDurationStats, mergeDurationStats } from './duration-stats.js';
import { addEncoded, bucketOf, percentile, RATIO, ZERO_BUCKET } from './histogram.js';
import { planRange } from './range-plan.js';
import { HOUR_MS, MINUTE_MS, ROLLUP_SPANS } from './schema.js';

type Row = Record<string, number | string | Uint8Array | null>;

/** What one (app, message key) holds in a range: its figures, and where they came from. */
interface KeyFigures {
  stats: DurationStats;
  /** The rollup rows read (their histograms), for exact counts above a threshold. */
  rollupRows: { span: number; start: number; durationCount: number; histogram: Uint8Array }[];
  /** The durations of the raw rows read (the ragged edges). */
  rawDurations: number[];
}

/** app → message key ('' for logs without one) → figures */
type RangeFigures = Map<string, Map<string, KeyFigures>>;

const rangeId = (range: TimeRange) => `${range.from}:${range.to}`;
const appKey = (app: string, key: string) => `${app}\u0000${key}`;

/**
 * Window statistics (see ../window-stats.ts) from the rollups: the whole minutes and hours of a
 * range from rollup_stats (per app and message key), the ragged edges from raw rows, exactly as
 * the dashboard's figures, so percentiles follow ../percentile.ts. Queries over the same range
 * (every rule of a scan has its window end at the scan's upper bound) share one read.
 *
 * Counts above a threshold (`countAboveMs`, slow_ratio) are exact: histogram buckets wholly above
 * or below it are counted from the rollups; only the one bucket that holds the threshold is
 * ambiguous, and the minutes where that bucket is not empty are read raw (one time-index range
 * read per such minute and threshold, shared by every query; an hour rollup is narrowed to its
 * minutes through their rollup rows). The cost is at most one raw read of the window per
 * distinct threshold (a threshold among the typical durations, where most minutes have a log
 * within 2 % of it), and for a threshold in the tail the few minutes in which some log fell
 * within 2 % of it.
 *
 * The embedded store keeps no ingest time: its ingest order is `seq`, and a log is readable as
 * soon as it is stored, so "the range the scans have covered" is the range of log time that has
 * been ingested. `byIngestTime` therefore judges by log time here.
 */
export class EmbeddedWindowStats {
  private readonly rollupRows: SQLite.Statement;
  private readonly rawRows: SQLite.Statement;
  private readonly straddlingRows: SQLite.Statement;
  private readonly minuteRollupRows: SQLite.Statement;
  private readonly aboveCounts = new AboveCountCache();

  constructor(db: SQLite.Database) {
    // One app at a time, through the app-led index: the primary key leads with the period and
    // would step every app's rows. INDEXED BY because SQLite, without statistics, picks the
    // primary key (test/logs/embedded/query-plans.test.ts).
    this.rollupRows = db.prepare(`SELECT start, message_key AS k, count AS c, duration_count AS dc,
      duration_sum AS ds, duration_max AS dm, histogram AS h
      FROM rollup_stats INDEXED BY rollup_stats_app WHERE span = ? AND start >= ? AND start < ? AND app = ?`);
    this.rawRows = db.prepare(`SELECT app, coalesce(message_key, '') AS k, duration_ms AS d
      FROM logs WHERE time >= ? AND time < ? AND app IS NOT NULL`);
    this.straddlingRows = db.prepare(`SELECT app, coalesce(message_key, '') AS k, duration_ms AS d
      FROM logs WHERE time >= ? AND time < ? AND app IS NOT NULL AND duration_ms > ? AND duration_ms <= ?`);
    this.minuteRollupRows = db.prepare(`SELECT start, message_key AS k, histogram AS h
      FROM rollup_stats INDEXED BY rollup_stats_app
      WHERE span = ? AND start >= ? AND start < ? AND app = ? AND histogram IS NOT NULL`);
  }

  read(queries: readonly WindowQuery[]): WindowSeries[][] {
    for (const query of queries) assertWindowQuery(query);
    const ranges = new Map<string, RangeFigures>();
    const straddling = new StraddlingCounts(this.straddlingRows, this.minuteRollupRows);
    return queries.map((query) => {
      if (query.range.to <= query.range.from) return isPerKey(query) ? [] : [emptySeries(query)];
      const id = rangeId(query.range);
      let figures = ranges.get(id);
      if (!figures) {
        const sameRange = queries.filter((q) => rangeId(q.range) === id);
        const apps = new Set(sameRange.map((q) => q.app));
        const counting = sameRange.some((q) => q.countAboveMs !== undefined || q.statistic === 'slow_ratio');
        const percentiles = sameRange.some((q) => percentileOf(q.statistic) !== undefined);
        figures = this.readRange(query.range, apps, counting, percentiles);
        ranges.set(id, figures);
      }
      return answer(query, figures.get(query.app), straddling, this.aboveCounts);
    });
  }

  /**
   * With `counting`, the rollup rows are kept per key for exact counts above a threshold; without
   * `percentiles` their histograms are not merged (counts, max and avg need none).
   */
  private readRange(
    range: TimeRange,
    apps: ReadonlySet<string>,
    counting: boolean,
    percentiles: boolean,
  ): RangeFigures {
    const figures: RangeFigures = new Map();
    const entry = (app: string, key: string): KeyFigures => {
      let keys = figures.get(app);
      if (!keys) {
        keys = new Map();
        figures.set(app, keys);
      }
      let found = keys.get(key);
      if (!found) {
        found = { stats: emptyDurationStats(), rollupRows: [], rawDurations: [] };
        keys.set(key, found);
      }
      return found;
    };
    const plan = planRange(range, ROLLUP_SPANS);
    for (const part of plan.rollups) {
      for (const app of apps) {
        if (app === '') continue;
        for (const row of this.rollupRows.iterate(part.span, part.fromStart, part.toStart, app) as Iterable<Row>) {
          const target = entry(app, row.k as string);
          const stats = target.stats;
          stats.count += row.c as number;
          stats.durationCount += row.dc as number;
          stats.durationSum += row.ds as number;
          const max = row.dm as number | null;
          if (max !== null && (stats.durationMax === null || max > stats.durationMax)) stats.durationMax = max;
          const histogram = row.h as Uint8Array | null;
          if (histogram) {
            if (percentiles) addEncoded(stats.histogram, histogram);
            if (counting) {
              target.rollupRows.push({
                span: part.span,
                start: row.start as number,
                durationCount: row.dc as number,
                histogram,
              });
            }
          }
        }
      }
    }
    for (const raw of plan.raw) {
      for (const row of this.rawRows.iterate(raw.from, raw.to) as Iterable<Row>) {
        const app = row.app as string;
        if (!apps.has(app)) continue;
        const target = entry(app, row.k as string);
        target.stats.count++;
        if (row.d !== null) {
          addDuration(target.stats, row.d as number);
          if (counting) target.rawDurations.push(row.d as number);
        }
      }
    }
    return figures;
  }
}

function answer(
  query: WindowQuery,
  keys: Map<string, KeyFigures> | undefined,
  straddling: StraddlingCounts,
  cache: AboveCountCache,
): WindowSeries[] {
  const series = (messageKey: string | null, parts: { key: string; figures: KeyFigures }[]): WindowSeries => {
    // One key's figures are read as they are; several are summed into a copy.
    let stats = parts[0]?.figures.stats ?? emptyDurationStats();
    if (parts.length > 1) {
      stats = emptyDurationStats();
      for (const part of parts) mergeDurationStats(stats, part.figures.stats);
    }
    const above = (threshold: number) =>
      parts.reduce((sum, part) => sum + countAbove(query.app, part.key, part.figures, threshold, straddling, cache), 0);
    return {
      messageKey,
      logs: stats.count,
      samples: stats.durationCount,
      value: statistic(query, stats, above),
      ...(query.countAboveMs === undefined ? {} : { above: above(query.countAboveMs) }),
    };
  };
  if (isPerKey(query)) {
    if (!keys) return [];
    // Logs without a message key belong to no key's series (as on Elasticsearch, whose terms skip them).
    const all = [...keys].filter(([key, figures]) => key !== '' && figures.stats.count > 0);
    const ranked = all
      .map(([key, figures]) => ({
        key,
        figures,
        order: { messageKey: key, samples: figures.stats.durationCount, logs: 0, value: null },
      }))
      .sort((a, b) => busiestFirst(a.order, b.order))
      .slice(0, query.maxSeries);
    return ranked.map((part) => series(part.key, [part]));
  }
  if (!keys) return [emptySeries(query)];
  if (query.messageKey !== null) {
    const figures = keys.get(query.messageKey);
    return [figures ? series(query.messageKey, [{ key: query.messageKey, figures }]) : emptySeries(query)];
  }
  return [
    series(
      null,
      [...keys].map(([key, figures]) => ({ key, figures })),
    ),
  ];
}

function statistic(query: WindowQuery, stats: DurationStats, above: (threshold: number) => number): number | null {
  if (stats.durationCount === 0) return null;
  switch (query.statistic) {
    case 'avg':
      return stats.durationSum / stats.durationCount;
    case 'max':
      return stats.durationMax;
    case 'slow_ratio':
      return (above(query.slowMs!) / stats.durationCount) * 100;
    default:
      return percentile(stats.histogram, percentileOf(query.statistic)!, stats.durationMax);
  }
}

/**
 * Logs of one (app, key) with a duration > threshold: raw edges counted one by one, rollup
 * histogram buckets above the threshold's bucket wholly, and its own bucket from raw rows.
 * Exact because bucketOf is monotonic: a duration in a lower bucket is below the threshold,
 * one in a higher bucket above it.
 */
function countAbove(
  app: string,
  key: string,
  figures: KeyFigures,
  threshold: number,
  straddling: StraddlingCounts,
  cache: AboveCountCache,
): number {
  let count = 0;
  for (const duration of figures.rawDurations) if (duration > threshold) count++;
  const thresholdBucket = bucketOf(threshold);
  for (const row of figures.rollupRows) {
    const cached = cache.get(threshold, app, key, row.span, row.start, row.durationCount);
    if (cached !== undefined) {
      count += cached;
      continue;
    }
    let above = 0;
    const histogram = new Map<number, number>();
    addEncoded(histogram, row.histogram);
    for (const [bucket, n] of histogram) {
      if (bucket > thresholdBucket) above += n;
      else if (bucket === thresholdBucket && n > 0) above += straddling.count(row.span, row.start, threshold, app, key);
    }
    cache.set(threshold, app, key, row.span, row.start, row.durationCount, above);
    count += above;
  }
  return count;
}

/**
 * Per rollup period and threshold: the logs in the threshold's own bucket that lie above it,
 * per (app, key), shared by every query of one call. A minute is read raw (once per threshold);
 * an hour is narrowed first to the minutes whose rollup has logs in that bucket (the hour's minute
 * rows are read once), so a threshold in the tail costs a few minutes of raw rows, not hours.
 */
class StraddlingCounts {
  private readonly minutes = new Map<string, Map<string, number>>();
  /** (hour start, app) → key → that hour's minute rows of the app with a histogram */
  private readonly hours = new Map<string, Map<string, { start: number; histogram: Uint8Array }[]>>();

  constructor(
    private readonly rawRows: SQLite.Statement,
    private readonly minuteRows: SQLite.Statement,
  ) {}

  count(span: number, start: number, threshold: number, app: string, key: string): number {
    if (span !== HOUR_MS) return this.rawCount(start, start + span, threshold, app, key);
    const bucket = bucketOf(threshold);
    let total = 0;
    for (const minute of this.minuteRowsOf(start, app).get(key) ?? []) {
      if (countInBucket(minute.histogram, bucket) > 0) {
        total += this.rawCount(minute.start, minute.start + MINUTE_MS, threshold, app, key);
      }
    }
    return total;
  }

  private minuteRowsOf(hour: number, app: string) {
    const id = appKey(app, String(hour));
    let rows = this.hours.get(id);
    if (!rows) {
      rows = new Map();
      for (const row of this.minuteRows.iterate(MINUTE_MS, hour, hour + HOUR_MS, app) as Iterable<Row>) {
        const key = row.k as string;
        const list = rows.get(key) ?? [];
        list.push({ start: row.start as number, histogram: row.h as Uint8Array });
        rows.set(key, list);
      }
      this.hours.set(id, rows);
    }
    return rows;
  }

  private rawCount(from: number, to: number, threshold: number, app: string, key: string): number {
    const id = `${from}:${to}:${threshold}`;
    let counts = this.minutes.get(id);
    if (!counts) {
      counts = new Map();
      const bucket = bucketOf(threshold);
      // Read a little beyond the bucket's upper edge; bucketOf, as at ingest, decides.
      const upper = bucket === ZERO_BUCKET ? 0 : RATIO ** (bucket + 1) * (1 + 1e-9);
      for (const row of this.rawRows.iterate(from, to, threshold, upper) as Iterable<Row>) {
        if (bucketOf(row.d as number) !== bucket) continue;
        const rowId = appKey(row.app as string, row.k as string);
        counts.set(rowId, (counts.get(rowId) ?? 0) + 1);
      }
      this.minutes.set(id, counts);
    }
    return counts.get(appKey(app, key)) ?? 0;
  }
}

/** The count an encoded histogram holds in one bucket. */
function countInBucket(encoded: Uint8Array, bucket: number): number {
  const histogram = new Map<number, number>();
  addEncoded(histogram, encoded);
  return histogram.get(bucket) ?? 0;
}
