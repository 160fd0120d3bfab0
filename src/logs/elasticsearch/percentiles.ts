import type { DurationUnit } from '../../config/config.js';
import { nearestRank, P95, reportedValueWithin } from '../percentile.js';
import type { Query } from './queries.js';
import { toMs } from './queries.js';
import type { ServerInfo } from './server-info.js';

/**
 * The percentiles (p95, and the p50/p90/p99 of window rules) of ../percentile.ts from
 * Elasticsearch and OpenSearch.
 *
 * Their default `percentiles` (t-digest) interpolates between ranks and differs from a
 * nearest-rank percentile by tens of percent on small buckets. An HDR histogram with 3
 * significant digits answers the upper end of the 0.1 % wide cell that holds the value at a rank,
 * so its answer is mapped onto the shared buckets with that error bound.
 *
 * Which rank it reads depends on the HdrHistogram library inside the server, checked on the real
 * servers: 2.2 (OpenSearch 2.x and later) reads rank ceil(q·n), the nearest rank; 2.1.9
 * (every Elasticsearch, OpenSearch 1.x) reads rank trunc(q·n + 0.5), one rank lower whenever the
 * fraction of q·n is below one half. For those, the request carries a ladder of percents just
 * above q and each bucket takes the one that lands on the nearest rank for its own count.
 */

/** Relative width of an HDR cell at 3 significant digits (1/1024), with room to spare. */
const HDR_RELATIVE_ERROR = 0.002;
const SIGNIFICANT_DIGITS = 3;

/**
 * 100·q + (100 − 100·q)·2^-j (for the p95: 95 + 5·2^-j): for every count n one of them reads rank
 * ceil(q·n) under half-up rounding. Where the fraction of q·n is 0 or at least one half, 100·q
 * itself does; otherwise the nudge x needs x·n/100 in [0.5 − frac, 1.5 − frac), which holds
 * [0.5, 1), and consecutive ones differ by a factor 2 from (100 − 100·q)·n/100 > 0.5 down. 32 of
 * them cover counts beyond 2^31.
 */
function halfUpLadder(q: number): number[] {
  const base = q * 100;
  return [base, ...Array.from({ length: 32 }, (_, j) => base + (100 - base) * 2 ** -j)];
}
const LADDERS = new Map<number, number[]>();
function ladderOf(q: number): number[] {
  let ladder = LADDERS.get(q);
  if (!ladder) {
    ladder = halfUpLadder(q);
    LADDERS.set(q, ladder);
  }
  return ladder;
}

export type RankRounding = 'nearest-rank' | 'half-up';

export function rankRoundingOf(server: Pick<ServerInfo, 'distribution' | 'major'>): RankRounding {
  return server.distribution === 'opensearch' && server.major >= 2 ? 'nearest-rank' : 'half-up';
}

/** The rank HdrHistogram 2.1.9 reads for a percent (its own double arithmetic). */
export function halfUpRank(percent: number, n: number): number {
  return Math.max(1, Math.trunc((percent / 100) * n + 0.5));
}

/** The `percentiles` aggregation for percentile q (a fraction; the p95 unless given) on this server. */
export function percentileAggregation(field: string, rounding: RankRounding, q: number = P95): Query {
  return {
    percentiles: {
      field,
      percents: rounding === 'nearest-rank' ? [q * 100] : ladderOf(q),
      keyed: false,
      hdr: { number_of_significant_value_digits: SIGNIFICANT_DIGITS },
    },
  };
}

/** The `percentiles` aggregation for the p95 on this server. */
export function p95Aggregation(field: string, rounding: RankRounding): Query {
  return percentileAggregation(field, rounding, P95);
}

export interface PercentileAnswer {
  values?: { key: number; value: number | null }[] | Record<string, number | null>;
}

/**
 * The reported percentile q in ms of a bucket of `count` durations, from the answer to
 * `percentileAggregation` with the same q; null when the bucket has none.
 */
export function readPercentile(
  answer: PercentileAnswer | undefined,
  count: number,
  rounding: RankRounding,
  unit: DurationUnit,
  maxMs: number | null,
  q: number = P95,
): number | null {
  if (!answer?.values || count === 0) return null;
  const entries = Array.isArray(answer.values)
    ? answer.values
    : Object.entries(answer.values).map(([key, value]) => ({ key: Number(key), value }));
  const wanted = rounding === 'nearest-rank' ? q * 100 : percentForNearestRank(count, q);
  const entry = entries.find((e) => Math.abs(e.key - wanted) <= 1e-9 * wanted) ?? entries[0];
  const value = entry?.value;
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const high = toMs(value, unit);
  return reportedValueWithin(high / (1 + HDR_RELATIVE_ERROR), high, maxMs);
}

/** The reported p95 in ms (see readPercentile). */
export function readP95(
  answer: PercentileAnswer | undefined,
  count: number,
  rounding: RankRounding,
  unit: DurationUnit,
  maxMs: number | null,
): number | null {
  return readPercentile(answer, count, rounding, unit, maxMs, P95);
}

/** The first percent of q's ladder that half-up rounding turns into rank ceil(q·n). */
export function percentForNearestRank(n: number, q: number = P95): number {
  const rank = nearestRank(n, q);
  return ladderOf(q).find((percent) => halfUpRank(percent, n) === rank) ?? q * 100;
}
