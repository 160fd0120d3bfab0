import { describe, expect, it } from 'vitest';
import { bucketCount, bucketStarts, chooseInterval, formatInterval, parseInterval } from '../../src/stats/interval.js';
import { percentOf, roundMs } from '../../src/stats/rounding.js';
import { parseRange } from '../../src/stats/time-range.js';
import { ValidationError } from '../../src/validation/problems.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const DAY = 86_400_000;

function problemsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseRange', () => {
  it('defaults to the 24 hours before now, or 24 hours from the one bound given', () => {
    expect(parseRange({}, NOW, 31)).toEqual({ from: NOW - DAY, to: NOW });
    expect(parseRange({ from: '2026-01-01T00:00:00Z' }, NOW, 31)).toEqual({
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 0, 2),
    });
    expect(parseRange({ to: '2026-01-05T06:00:00+02:00' }, NOW, 31)).toEqual({
      from: Date.UTC(2026, 0, 4, 4),
      to: Date.UTC(2026, 0, 5, 4),
    });
  });

  it('takes ISO 8601 with offsets and fractions, and epoch milliseconds', () => {
    expect(parseRange({ from: '2026-01-01T00:00:00.250Z', to: String(Date.UTC(2026, 0, 1, 1)) }, NOW, 31)).toEqual({
      from: Date.UTC(2026, 0, 1) + 250,
      to: Date.UTC(2026, 0, 1, 1),
    });
  });

  it('names every bound that does not parse', () => {
    expect(problemsOf(() => parseRange({ from: 'last week', to: '2026-02-30T25:00:00Z' }, NOW, 31))).toEqual([
      { field: 'from', message: expect.stringContaining('ISO 8601') },
      { field: 'to', message: expect.stringContaining('ISO 8601') },
    ]);
  });

  it('refuses an empty or backwards range and one longer than the limit', () => {
    expect(problemsOf(() => parseRange({ from: '2026-01-02', to: '2026-01-02' }, NOW, 31))).toEqual([
      { field: 'to', message: 'must be after from' },
    ]);
    expect(problemsOf(() => parseRange({ from: '2026-01-03', to: '2026-01-02' }, NOW, 31))[0].field).toBe('to');
    expect(parseRange({ from: '2026-01-01', to: '2026-01-08' }, NOW, 7)).toEqual({
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 0, 8),
    });
    expect(problemsOf(() => parseRange({ from: '2026-01-01', to: '2026-01-08T00:00:00.001Z' }, NOW, 7))).toEqual([
      { field: 'to', message: expect.stringContaining('at most 7 days') },
    ]);
  });
});

describe('intervals', () => {
  it('parses s, m, h and d and refuses the rest', () => {
    expect(parseInterval('30s')).toBe(30_000);
    expect(parseInterval('5m')).toBe(300_000);
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(parseInterval('2d')).toBe(2 * DAY);
    for (const bad of ['', '0m', '5', 'm', '1.5h', '5 m', '1w', '-1h', '1000000s']) {
      expect(parseInterval(bad)).toBeUndefined();
    }
  });

  it('chooses a round interval with at most 300 buckets, and at least 60 for spans from an hour', () => {
    for (const span of [3_600_000, 6 * 3_600_000, DAY, 2 * DAY, 7 * DAY, 31 * DAY, 10 * 60_000, 365 * DAY]) {
      const interval = chooseInterval(span);
      const buckets = span / interval;
      expect(buckets).toBeLessThanOrEqual(300);
      if (span >= 3_600_000 && span <= 31 * DAY) expect(buckets).toBeGreaterThanOrEqual(60);
    }
    expect(formatInterval(chooseInterval(3_600_000))).toBe('1m');
    expect(formatInterval(chooseInterval(15 * 60_000))).toBe('10s');
    expect(formatInterval(chooseInterval(DAY))).toBe('5m');
    expect(formatInterval(chooseInterval(7 * DAY))).toBe('1h');
    expect(formatInterval(chooseInterval(31 * DAY))).toBe('3h');
  });

  it('aligns buckets to the epoch and covers the range exactly', () => {
    const range = { from: Date.UTC(2026, 0, 1, 0, 7), to: Date.UTC(2026, 0, 1, 0, 31) };
    const starts = bucketStarts(range, 600_000);
    expect(starts).toEqual([0, 10, 20, 30].map((m) => Date.UTC(2026, 0, 1, 0, m)));
    expect(bucketCount(range, 600_000)).toBe(starts.length);
    expect(formatInterval(90_000)).toBe('90s');
  });
});

describe('rounding', () => {
  it('gives rates 3 significant digits and never rounds a rare violation to 0', () => {
    expect(percentOf(1, 3)).toBe(33.3);
    expect(percentOf(1, 10_000_000)).toBe(0.00001);
    expect(percentOf(5, 5)).toBe(100);
    expect(percentOf(0, 5)).toBe(0);
    expect(percentOf(3, 0)).toBe(0);
  });

  it('rounds durations to hundredths of a millisecond', () => {
    expect(roundMs(12.345678)).toBe(12.35);
    expect(roundMs(null)).toBeNull();
  });
});
