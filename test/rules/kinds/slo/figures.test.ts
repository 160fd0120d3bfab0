import { describe, expect, it } from 'vitest';
import {
  budgetExhaustedAt,
  budgetRemainingPercent,
  burnRate,
  countsOf,
  sliPercent,
} from '../../../../src/rules/kinds/slo/figures.js';

const DAY = 86_400_000;

describe('slo figures', () => {
  it('good and bad from a window answer: bad = above the threshold, good = the rest with a duration', () => {
    expect(countsOf({ messageKey: null, logs: 12, samples: 10, value: 900, above: 3 })).toEqual({ good: 7, bad: 3 });
    expect(countsOf(undefined)).toEqual({ good: 0, bad: 0 });
  });

  it('SLI, burn rate and budget as defined, exact at hand-computed points', () => {
    // 72 bad of 1,000 at 99.5 %: 7.2 % bad, 0.5 % allowed: 14.4×, the budget overspent 13.4 times.
    const counts = { good: 928, bad: 72 };
    expect(sliPercent(counts)).toBe(92.8);
    expect(burnRate(counts, 99.5)).toBe(14.4);
    expect(budgetRemainingPercent(counts, 99.5)).toBe(-1340);
    // 1 bad of 1,000 at 99.9 %: exactly the budget.
    expect(budgetRemainingPercent({ good: 999, bad: 1 }, 99.9)).toBe(0);
    expect(budgetRemainingPercent({ good: 1999, bad: 1 }, 99.9)).toBe(50);
  });

  it('no logs: SLI and burn rate null, nothing spent', () => {
    expect(sliPercent({ good: 0, bad: 0 })).toBeNull();
    expect(burnRate({ good: 0, bad: 0 }, 99)).toBeNull();
    expect(budgetRemainingPercent({ good: 0, bad: 0 }, 99)).toBe(100);
  });

  it('the budget runs out after remaining × period / rate; now when spent; never without a burn', () => {
    expect(budgetExhaustedAt(50, 2, 28 * DAY, 0)).toBe(7 * DAY);
    expect(budgetExhaustedAt(-5, 2, 28 * DAY, 1000)).toBe(1000);
    expect(budgetExhaustedAt(50, 0, 28 * DAY, 0)).toBeNull();
    expect(budgetExhaustedAt(50, null, 28 * DAY, 0)).toBeNull();
  });
});
