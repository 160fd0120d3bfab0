import { describe, expect, it } from 'vitest';
import {
  budgetTone,
  formatBudget,
  formatBurnRate,
  formatSli,
  objectiveWords,
  rateWindowWords,
} from '../../web/src/slo-words.js';

describe('SLO figures in words', () => {
  it('cuts the SLI and the budget instead of rounding them up to a met objective', () => {
    expect(formatSli(99.4996)).toBe('99.499%');
    expect(formatSli((994 / 1000) * 100)).toBe('99.4%');
    expect(formatSli(null)).toBe('—');
    // 1 − 6 / (1000 × 0.005), computed in floats, is −19.999…: still "−20%".
    expect(formatBudget((1 - 6 / (1000 * (1 - 99.5 / 100))) * 100)).toBe('−20%');
    expect(formatBudget(0.04)).toBe('0%');
    expect(formatBudget(-0.04)).toBe('−0.1%');
  });

  it('says the objective, the burn rates and their windows', () => {
    expect(objectiveWords({ objective: 99.5, threshold_ms: 500, period_days: 28 })).toBe(
      '99.5% of logs within 500 ms over 28 days',
    );
    expect(formatBurnRate(14.4)).toBe('14.4×');
    expect(formatBurnRate(null)).toBe('—');
    expect(['5m', '30m', '1h', '6h', '360m', 'period'].map(rateWindowWords)).toEqual([
      '5 min',
      '30 min',
      '1 h',
      '6 h',
      '6 h',
      'period',
    ]);
  });

  it('colours the budget bar red only once the budget is overspent', () => {
    expect([80, 10, 0, -0.1, null].map(budgetTone)).toEqual(['ok', 'warn', 'warn', 'bad', 'muted']);
  });
});
