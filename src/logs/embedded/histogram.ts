import { bucketOf, bucketValue, clampToMax, nearestRank, RATIO, ZERO_BUCKET } from '../percentile.js';

/**
 * Log-spaced duration histogram over the buckets of ../percentile.ts (the definition of the p95
 * every source reports).
 */
export { bucketOf, bucketValue, RATIO, ZERO_BUCKET };

export type Histogram = Map<number, number>;

export function addToHistogram(histogram: Histogram, bucket: number, count: number): void {
  histogram.set(bucket, (histogram.get(bucket) ?? 0) + count);
}

/**
 * Nearest-rank percentile (the value at rank ceil(q·n)), clamped to the exact maximum when
 * it is known; null for an empty histogram.
 */
export function percentile(histogram: Histogram, q: number, maxMs?: number | null): number | null {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return null;
  const rank = nearestRank(total, q);
  const buckets = [...histogram.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const bucket of buckets) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return clampToMax(bucketValue(bucket), maxMs);
  }
  return null;
}

/** Compact storage: (bucket, count) pairs as little-endian int32, ordered by bucket. */
export function encodeHistogram(histogram: Histogram): Buffer | null {
  const size = histogram.size;
  if (size === 0) return null;
  // Filled by a loop: Int32Array.from over the keys' iterator took twice as long (a rollup flush
  // encodes hundreds of these per ingest).
  const buckets = new Int32Array(size);
  let filled = 0;
  for (const bucket of histogram.keys()) buckets[filled++] = bucket;
  buckets.sort();
  const out = Buffer.allocUnsafe(size * 8);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < size; i++) {
    const bucket = buckets[i]!;
    view.setInt32(i * 8, bucket, true);
    view.setInt32(i * 8 + 4, histogram.get(bucket)!, true);
  }
  return out;
}

const viewOf = (encoded: Uint8Array) => new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);

export function addEncoded(histogram: Histogram, encoded: Uint8Array | null | undefined): void {
  if (!encoded) return;
  const view = viewOf(encoded);
  for (let offset = 0; offset + 8 <= encoded.byteLength; offset += 8) {
    addToHistogram(histogram, view.getInt32(offset, true), view.getInt32(offset + 4, true));
  }
}

/**
 * SQL function body for upserts: the sum of two encoded histograms, merged in one pass over
 * both (they are ordered by bucket), which keeps rollup upserts cheap however many buckets
 * the rows hold.
 */
export function mergeEncoded(a: Uint8Array | null, b: Uint8Array | null): Buffer | null {
  if (!a || a.byteLength < 8) return b && b.byteLength >= 8 ? Buffer.from(b) : null;
  if (!b || b.byteLength < 8) return Buffer.from(a);
  const left = viewOf(a);
  const right = viewOf(b);
  const leftEnd = a.byteLength - (a.byteLength % 8);
  const rightEnd = b.byteLength - (b.byteLength % 8);
  const out = Buffer.allocUnsafe(leftEnd + rightEnd);
  const merged = viewOf(out);
  let i = 0;
  let j = 0;
  let k = 0;
  let last = Number.NEGATIVE_INFINITY;
  while (i < leftEnd || j < rightEnd) {
    const leftBucket = i < leftEnd ? left.getInt32(i, true) : Number.POSITIVE_INFINITY;
    const rightBucket = j < rightEnd ? right.getInt32(j, true) : Number.POSITIVE_INFINITY;
    let bucket: number;
    let count: number;
    if (leftBucket < rightBucket) {
      bucket = leftBucket;
      count = left.getInt32(i + 4, true);
      i += 8;
    } else if (rightBucket < leftBucket) {
      bucket = rightBucket;
      count = right.getInt32(j + 4, true);
      j += 8;
    } else {
      bucket = leftBucket;
      count = left.getInt32(i + 4, true) + right.getInt32(j + 4, true);
      i += 8;
      j += 8;
    }
    if (bucket <= last) return mergeUnordered(a, b); // not written by encodeHistogram
    last = bucket;
    merged.setInt32(k, bucket, true);
    merged.setInt32(k + 4, count, true);
    k += 8;
  }
  return out.subarray(0, k);
}

function mergeUnordered(a: Uint8Array, b: Uint8Array): Buffer | null {
  const histogram: Histogram = new Map();
  addEncoded(histogram, a);
  addEncoded(histogram, b);
  return encodeHistogram(histogram);
}
