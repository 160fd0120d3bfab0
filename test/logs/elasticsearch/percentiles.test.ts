import { describe, expect, it } from 'vitest';
import {
  halfUpRank,
  p95Aggregation,
  percentForNearestRank,
  percentileAggregation,
  rankRoundingOf,
  readP95,
} from '../../../src/logs/elasticsearch/percentiles.js';
import { bucketOf, bucketValue, RATIO, reportedValueWithin } from '../../../src/logs/percentile.js';

const nearest = (n: number) => Math.max(1, Math.ceil(0.95 * n));

describe('p95 from HDR percentiles', () => {
  it('knows which servers round half up (HdrHistogram 2.1.9) and which read the nearest rank', () => {
    expect(rankRoundingOf({ distribution: 'elasticsearch', major: 7 })).toBe('half-up');
    expect(rankRoundingOf({ distribution: 'elasticsearch', major: 9 })).toBe('half-up');
    expect(rankRoundingOf({ distribution: 'opensearch', major: 1 })).toBe('half-up');
    expect(rankRoundingOf({ distribution: 'opensearch', major: 2 })).toBe('nearest-rank');
    expect(rankRoundingOf({ distribution: 'opensearch', major: 3 })).toBe('nearest-rank');
  });

  it('half-up rounding reads a lower rank than the nearest rank for some counts (as ES 7.10 did for 11..19 values)', () => {
    expect(halfUpRank(95, 11)).toBe(10);
    expect(nearest(11)).toBe(11);
    expect(halfUpRank(95, 10)).toBe(10);
  });

  it('the ladder of percents lands on the nearest rank for every count', () => {
    const counts = [
      ...Array.from({ length: 200_000 }, (_, i) => i + 1),
      ...Array.from({ length: 2_000 }, (_, i) => Math.floor(1.013 ** i)).filter((n) => n < 2 ** 33),
    ];
    const misses = counts.filter((n) => halfUpRank(percentForNearestRank(n), n) !== nearest(n));
    expect(misses).toEqual([]);
  });

  it('the ladders of p50, p90 and p99 land on their nearest rank for every count', () => {
    const counts = [
      ...Array.from({ length: 50_000 }, (_, i) => i + 1),
      ...Array.from({ length: 2_000 }, (_, i) => Math.floor(1.013 ** i)).filter((n) => n < 2 ** 33),
    ];
    for (const q of [0.5, 0.9, 0.99]) {
      const misses = counts.filter((n) => halfUpRank(percentForNearestRank(n, q), n) !== Math.max(1, Math.ceil(q * n)));
      expect(misses, `q = ${q}`).toEqual([]);
      const percents = (percentileAggregation('d', 'half-up', q).percentiles as { percents: number[] }).percents;
      expect(percents[0]).toBe(q * 100);
      expect(Math.max(...percents)).toBeLessThanOrEqual(100);
    }
  });

  it('asks for HDR, unkeyed, with the ladder only where the server needs it', () => {
    expect(p95Aggregation('duration', 'nearest-rank')).toEqual({
      percentiles: { field: 'duration', percents: [95], keyed: false, hdr: { number_of_significant_value_digits: 3 } },
    });
    const ladder = (p95Aggregation('duration', 'half-up').percentiles as { percents: number[] }).percents;
    expect(ladder[0]).toBe(95);
    expect(ladder.length).toBeGreaterThan(30);
    expect(Math.max(...ladder)).toBeLessThanOrEqual(100);
  });

  it('reads the percent meant for the bucket’s count and converts units', () => {
    const answer = {
      values: [
        { key: 95, value: 1007.4375 },
        { key: percentForNearestRank(11), value: 1107.9375 },
      ],
    };
    const atNearestRank = readP95(answer, 11, 'half-up', 'ms', 1107)!;
    expect(Math.abs(atNearestRank - 1107) / 1107).toBeLessThanOrEqual(0.01);
    expect(readP95({ values: [{ key: 95, value: 2_000_000_000 }] }, 5, 'nearest-rank', 'ns', null)).toBeCloseTo(
      reportedValueWithin(2000 / 1.002, 2000),
      9,
    );
    expect(readP95({ values: [{ key: 95, value: null }] }, 0, 'nearest-rank', 'ms', null)).toBeNull();
  });

  it('maps an answer known within 0.2 % onto the shared buckets, within 1 % of every value it may stand for', () => {
    const misses: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const exact = 0.01 * 1.0007 ** i;
      const hdr = exact * (1 + (i % 7) / 7000); // up to 0.1 % above, as HDR answers
      const reported = reportedValueWithin(hdr / 1.002, hdr);
      const embedded = bucketValue(bucketOf(exact));
      if (!(Math.abs(reported - embedded) / embedded <= 0.01 + 1e-12)) misses.push(exact);
    }
    expect(misses).toEqual([]);
    expect(RATIO).toBe(1.02);
  });
});
