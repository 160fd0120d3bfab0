import { expect } from 'vitest';

type Json = Record<string, unknown>;

/** Equal, except that numbers under a `p95_ms` key may differ by 1% (percentile sketches). */
export function expectSameFigures(actual: unknown, expected: unknown, path = '$'): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    for (const [i, item] of expected.entries()) expectSameFigures((actual as unknown[])[i], item, `${path}[${i}]`);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as Json).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      const child = (actual as Json)[key];
      if (key === 'p95_ms' && typeof value === 'number') {
        expect(child, `${path}.${key}`).toBeTypeOf('number');
        expect(Math.abs((child as number) - value), `${path}.${key}: ${child} vs ${value}`).toBeLessThanOrEqual(
          value * 0.01 + 0.01,
        );
      } else if (key === 'avg_ms' || key === 'overall_ms') {
        // Sums of doubles in a different order: equal to the hundredth they are rounded to.
        if (value === null) expect(child, `${path}.${key}`).toBeNull();
        else expect(Math.abs((child as number) - (value as number)), `${path}.${key}`).toBeLessThanOrEqual(0.011);
      } else {
        expectSameFigures(child, value, `${path}.${key}`);
      }
    }
    return;
  }
  expect(actual, path).toEqual(expected);
}
