/**
 * Log-spaced duration histogram: bucket b holds durations in [RATIO^b, RATIO^(b+1)) ms and is
 * represented by its geometric middle, so any percentile read from it is within ±1% of a
 * duration of that rank (RATIO^0.5 ≈ 1.00995). Zero durations have their own bucket.
 */
export const RATIO = 1.02;
const LOG_RATIO = Math.log(RATIO);
export const ZERO_BUCKET = -1_000_000;

export type Histogram = Map<number, number>;

export function bucketOf(durationMs: number): number {
  return durationMs > 0 ? Math.floor(Math.log(durationMs) / LOG_RATIO) : ZERO_BUCKET;
}

export function bucketValue(bucket: number): number {
  return bucket === ZERO_BUCKET ? 0 : RATIO ** (bucket + 0.5);
}

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
  const rank = Math.max(1, Math.ceil(q * total));
  const buckets = [...histogram.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const bucket of buckets) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) {
      const value = bucketValue(bucket);
      return maxMs === undefined || maxMs === null ? value : Math.min(value, maxMs);
    }
  }
  return null;
}

/** Compact storage: (bucket, count) pairs as little-endian int32, ordered by bucket. */
export function encodeHistogram(histogram: Histogram): Buffer | null {
  if (histogram.size === 0) return null;
  const buckets = [...histogram.keys()].sort((a, b) => a - b);
  const out = Buffer.allocUnsafe(buckets.length * 8);
  buckets.forEach((bucket, i) => {
    out.writeInt32LE(bucket, i * 8);
    out.writeInt32LE(histogram.get(bucket)!, i * 8 + 4);
  });
  return out;
}

export function addEncoded(histogram: Histogram, encoded: Uint8Array | null | undefined): void {
  if (!encoded) return;
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  for (let offset = 0; offset + 8 <= encoded.byteLength; offset += 8) {
    addToHistogram(histogram, view.getInt32(offset, true), view.getInt32(offset + 4, true));
  }
}

/** SQL function body for upserts: the sum of two encoded histograms. */
export function mergeEncoded(a: Uint8Array | null, b: Uint8Array | null): Buffer | null {
  const histogram: Histogram = new Map();
  addEncoded(histogram, a);
  addEncoded(histogram, b);
  return encodeHistogram(histogram);
}
