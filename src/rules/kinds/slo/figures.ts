import type { WindowSeries } from '../../../logs/window-stats.js';

/**
 * The SLO arithmetic, one definition for the status, the history, the CLI and the alerts.
 * A log with a duration is good when duration <= threshold_ms, else bad; logs without a
 * duration count in neither. With no logs, the SLI and the burn rates are null and no budget
 * has been spent (100 % left).
 */
export interface Counts {
  good: number;
  bad: number;
}

/** Good and bad of a window statistics answer asked with countAboveMs = threshold_ms. */
export function countsOf(series: WindowSeries | undefined): Counts {
  const bad = series?.above ?? 0;
  return { good: (series?.samples ?? 0) - bad, bad };
}

export const addCounts = (a: Counts, b: Counts): Counts => ({ good: a.good + b.good, bad: a.bad + b.bad });

// Rates and percentages are rounded to this many decimals, so that hand-computed figures
// (72 bad of 1,000 at 99.5 % is exactly 14.4×) compare equal despite binary fractions.
const DECIMALS = 1e9;
const rounded = (x: number) => Math.round(x * DECIMALS) / DECIMALS;

/** good / (good + bad), in percent; null with no logs. */
export function sliPercent({ good, bad }: Counts): number | null {
  return good + bad === 0 ? null : rounded((good * 100) / (good + bad));
}

/** (bad / (good + bad)) / (1 − objective/100); null with no logs. */
export function burnRate({ good, bad }: Counts, objective: number): number | null {
  return good + bad === 0 ? null : rounded((bad * 100) / ((good + bad) * (100 - objective)));
}

/**
 * 100 × (1 − bad / allowed bad), allowed bad = (1 − objective/100) × (good + bad); below 0 once
 * the budget is overspent; 100 with no logs.
 */
export function budgetRemainingPercent(counts: Counts, objective: number): number {
  const rate = burnRate(counts, objective);
  return rate === null ? 100 : rounded(100 * (1 - rate));
}

/**
 * When the budget left runs out if it keeps burning at `rate` (a burn rate of 1 spends a whole
 * period's budget in one period): `at` itself when none is left, null when it does not burn.
 */
export function budgetExhaustedAt(
  remainingPercent: number,
  rate: number | null,
  periodMs: number,
  at: number,
): number | null {
  if (remainingPercent <= 0) return at;
  if (rate === null || rate <= 0) return null;
  return Math.round(at + ((remainingPercent / 100) * periodMs) / rate);
}

/** The windows of the status's burn_rates, by their keys. */
export const STATUS_WINDOWS = { '5m': 5, '30m': 30, '1h': 60, '6h': 360 } as const;
