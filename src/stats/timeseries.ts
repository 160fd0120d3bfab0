import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { BucketStats, LogSource, TimeRange } from '../logs/source.js';
import { violationsPerBucket } from '../violations/violation-store.js';
import { bucketStarts, formatInterval } from './interval.js';
import { roundMs } from './rounding.js';
import { iso } from './time-range.js';

export interface TimeseriesPoint {
  /** Bucket start, ISO 8601 UTC. */
  time: string;
  logs: number;
  avg_ms: number | null;
  p95_ms: number | null;
  violations: number;
}

export interface Timeseries {
  from: string;
  to: string;
  interval: string;
  interval_ms: number;
  app_name: string | null;
  buckets: TimeseriesPoint[];
}

/**
 * `GET /dashboard/timeseries`: every bucket of the range (empty ones as zeros), log figures
 * from the source, violations counted per bucket from the state database.
 */
export async function computeTimeseries(
  source: LogSource,
  db: Kysely<Database>,
  range: TimeRange,
  intervalMs: number,
  app?: string,
): Promise<Timeseries> {
  const [buckets, violations] = await Promise.all([
    source.timeseries(range, intervalMs, app),
    violationsPerBucket(db, range, intervalMs, app),
  ]);
  return buildTimeseries(range, intervalMs, app, buckets, violations);
}

export function buildTimeseries(
  range: TimeRange,
  intervalMs: number,
  app: string | undefined,
  buckets: BucketStats[],
  violations: ReadonlyMap<number, number>,
): Timeseries {
  const byStart = new Map(buckets.map((b) => [b.start, b]));
  return {
    from: iso(range.from),
    to: iso(range.to),
    interval: formatInterval(intervalMs),
    interval_ms: intervalMs,
    app_name: app ?? null,
    buckets: bucketStarts(range, intervalMs).map((start) => {
      const bucket = byStart.get(start);
      return {
        time: iso(start),
        logs: bucket?.count ?? 0,
        avg_ms: roundMs(bucket?.avgMs ?? null),
        p95_ms: roundMs(bucket?.p95Ms ?? null),
        violations: violations.get(start) ?? 0,
      };
    }),
  };
}
