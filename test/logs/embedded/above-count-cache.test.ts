import { describe, expect, it } from 'vitest';
import { AboveCountCache } from '../../../src/logs/embedded/above-count-cache.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

describe('counts above a threshold per rollup row', () => {
  it('hold while the row counts the same logs; a late log (another duration_count) misses', () => {
    const cache = new AboveCountCache();
    cache.set(500, 'checkout', 'POST /orders', HOUR, 3_600_000, 120, 7);
    expect(cache.get(500, 'checkout', 'POST /orders', HOUR, 3_600_000, 120)).toBe(7);
    expect(cache.get(500, 'checkout', 'POST /orders', MINUTE, 3_600_000, 120)).toBeUndefined();
    expect(cache.get(500, 'checkout', 'POST /orders', HOUR, 3_600_000, 121)).toBeUndefined();
    expect(cache.get(501, 'checkout', 'POST /orders', HOUR, 3_600_000, 120)).toBeUndefined();
    expect(cache.get(500, 'checkout', '', HOUR, 3_600_000, 120)).toBeUndefined();
  });

  it('starts afresh beyond its bound', () => {
    const cache = new AboveCountCache(2);
    cache.set(1, 'a', '', HOUR, 0, 1, 1);
    cache.set(1, 'a', '', HOUR, 1, 1, 1);
    cache.set(1, 'a', '', HOUR, 2, 1, 1);
    expect(cache.get(1, 'a', '', HOUR, 0, 1)).toBeUndefined();
    expect(cache.get(1, 'a', '', HOUR, 2, 1)).toBe(1);
  });
});
