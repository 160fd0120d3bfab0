/**
 * The one definition of a percentile (p50, p90, p95, p99) that every log source reports:
 *
 *   the nearest-rank q-th percentile (the duration at rank ceil(q·n) of the n durations in
 *   ascending order), reported as the geometric middle of the 2 % log-spaced bucket it falls in,
 *   and never above the bucket's exact maximum.
 *
 * The embedded store keeps such buckets in its rollups; Elasticsearch/OpenSearch compute the
 * percentile with HDR histograms and their answer is mapped onto the same buckets, so both
 * sources agree within 1 % on any bucket of any size.
 */

/** Bucket b holds durations in [RATIO^b, RATIO^(b+1)) ms; its middle RATIO^(b+0.5) is within ±1 % of each. */
export const RATIO = 1.02;
const LOG_RATIO = Math.log(RATIO);
export const ZERO_BUCKET = -1_000_000;

export const P95 = 0.95;

/** The percentiles window rules may judge, as fractions. */
export const PERCENTILES = { p50: 0.5, p90: 0.9, p95: P95, p99: 0.99 } as const;
export type PercentileName = keyof typeof PERCENTILES;

export function bucketOf(durationMs: number): number {
  return durationMs > 0 ? Math.floor(Math.log(durationMs) / LOG_RATIO) : ZERO_BUCKET;
}

export function bucketValue(bucket: number): number {
  return bucket === ZERO_BUCKET ? 0 : RATIO ** (bucket + 0.5);
}

/** The rank (1-based) whose value is the nearest-rank percentile q of n values. */
export function nearestRank(n: number, q: number): number {
  return Math.max(1, Math.ceil(q * n));
}

/** A reported percentile is never above the exact maximum, where that is known. */
export function clampToMax(value: number, maxMs?: number | null): number {
  return maxMs === undefined || maxMs === null ? value : Math.min(value, maxMs);
}

/**
 * The reported value of a percentile known only to lie in [lowMs, highMs] (an HDR histogram's
 * answer and its error bound). Inside one bucket it is that bucket's middle, exactly as the
 * embedded store reports it; across a bucket edge it is the edge, which is within 1 % of the
 * middles of both neighbours.
 */
export function reportedValueWithin(lowMs: number, highMs: number, maxMs?: number | null): number {
  if (highMs <= 0) return 0;
  const low = bucketOf(Math.max(lowMs, Number.MIN_VALUE));
  const high = bucketOf(highMs);
  return clampToMax(low === high ? bucketValue(low) : RATIO ** high, maxMs);
}
