import { describe, expect, it } from 'vitest';
import {
  addEncoded,
  bucketOf,
  encodeHistogram,
  type Histogram,
  mergeEncoded,
  ZERO_BUCKET,
} from '../../../src/logs/embedded/histogram.js';
import { seededRandom } from './temp-store.js';

function randomHistogram(random: () => number, size: number): Histogram {
  const histogram: Histogram = new Map();
  for (let i = 0; i < size; i++) {
    const bucket = random() < 0.05 ? ZERO_BUCKET : bucketOf(Math.exp(random() * 14 - 4));
    histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1 + Math.floor(random() * 1000));
  }
  return histogram;
}

const decoded = (encoded: Uint8Array | null) => {
  const histogram: Histogram = new Map();
  addEncoded(histogram, encoded);
  return histogram;
};

function sum(a: Histogram, b: Histogram): Histogram {
  const total = new Map(a);
  for (const [bucket, count] of b) total.set(bucket, (total.get(bucket) ?? 0) + count);
  return total;
}

/** Pairs as stored, in the order given (to build blobs that are not ordered by bucket). */
function pairs(entries: [number, number][]): Buffer {
  const out = Buffer.alloc(entries.length * 8);
  entries.forEach(([bucket, count], i) => {
    out.writeInt32LE(bucket, i * 8);
    out.writeInt32LE(count, i * 8 + 4);
  });
  return out;
}

describe('encoded histograms', () => {
  it('encode orders the buckets and round-trips', () => {
    const histogram = randomHistogram(seededRandom(1), 300);
    const encoded = encodeHistogram(histogram)!;
    expect(decoded(encoded)).toEqual(histogram);
    const buckets = [...decoded(encoded).keys()];
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(encodeHistogram(new Map())).toBeNull();
  });

  it('merge gives the sum, ordered, for any two histograms', () => {
    const random = seededRandom(2);
    for (let round = 0; round < 200; round++) {
      const a = randomHistogram(random, Math.floor(random() * 60));
      const b = randomHistogram(random, Math.floor(random() * 60));
      const merged = mergeEncoded(encodeHistogram(a), encodeHistogram(b));
      const expected = sum(a, b);
      if (expected.size === 0) {
        expect(merged).toBeNull();
        continue;
      }
      expect(merged).toEqual(encodeHistogram(expected));
    }
  });

  it('merge takes null and empty blobs, and blobs not ordered by bucket', () => {
    const a = encodeHistogram(new Map([[3, 2]]))!;
    expect(mergeEncoded(null, null)).toBeNull();
    expect(mergeEncoded(new Uint8Array(0), null)).toBeNull();
    expect(mergeEncoded(a, null)).toEqual(a);
    expect(mergeEncoded(null, a)).toEqual(a);
    const unordered = pairs([
      [9, 1],
      [3, 5],
    ]);
    expect(decoded(mergeEncoded(a, unordered))).toEqual(
      new Map([
        [3, 7],
        [9, 1],
      ]),
    );
    expect(mergeEncoded(a, unordered)).toEqual(
      pairs([
        [3, 7],
        [9, 1],
      ]),
    );
  });
});
