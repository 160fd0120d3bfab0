/**
 * SLOs in words and figures: the objective as a sentence, SLI and budget percentages, burn rates
 * ("14.4×") and the windows they are measured over. Pure: usable outside a browser.
 */
import type { BurnAlert, SloRule } from './api/slo-types.js';
import { formatMs } from './format.js';

const percentFigure = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
const budgetFigure = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const rateFigure = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
/** Cutting 59.99999999999 (a float's 60) must still give 60. */
const FLOAT_SLACK = 1e-6;
const countFigure = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "99.5% of logs within 500 ms over 28 days". */
export function objectiveWords(rule: Pick<SloRule, 'objective' | 'threshold_ms' | 'period_days'>): string {
  const days = `${rule.period_days} day${rule.period_days === 1 ? '' : 's'}`;
  return `${percentFigure.format(rule.objective)}% of logs within ${formatMs(rule.threshold_ms)} over ${days}`;
}

/**
 * An SLI in percent, cut (not rounded) to three decimals, so a service just short of its
 * objective never reads as meeting it: 99.4996 is "99.499%", never "99.5%".
 */
export function formatSli(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${percentFigure.format(Math.floor(value * 1000 + FLOAT_SLACK) / 1000)}%`;
}

/** Budget left in percent, one decimal, cut toward the overspent side: "62.5%", "−12.5%". */
export function formatBudget(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const cut = Math.floor(value * 10 + FLOAT_SLACK) / 10;
  return `${budgetFigure.format(cut).replace('-', '−')}%`;
}

/** A burn rate: "14.4×", "0×"; null (no log in the window): "—". */
export function formatBurnRate(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${rateFigure.format(value)}×`;
}

/** "5 min", "1 h", "6 h", "1 d". */
export function windowLength(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes >= 60 && minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}

/** The key of a window in a history point's `burn_rates`: `60m`. */
export const burnRateKey = (minutes: number) => `${minutes}m`;

/** "1 h and 5 min at 14.4×". */
export function burnAlertWords(alert: BurnAlert): string {
  return `${windowLength(alert.long_minutes)} and ${windowLength(alert.short_minutes)} at ${formatBurnRate(alert.factor)}`;
}

/** "995 good, 5 bad (1,000 logs)". */
export function countsWords(good: number, bad: number): string {
  return `${countFigure.format(good)} good, ${countFigure.format(bad)} bad (${countFigure.format(good + bad)} logs)`;
}

/** How the budget bar looks: red once overspent, amber in its last quarter. */
export function budgetTone(value: number | null | undefined): 'ok' | 'warn' | 'bad' | 'muted' {
  if (value === null || value === undefined || Number.isNaN(value)) return 'muted';
  if (value < 0) return 'bad';
  return value < 25 ? 'warn' : 'ok';
}

/** A `burn_rates` key in words: `5m` → "5 min", `1h` → "1 h", `360m` → "6 h"; any other key as it is. */
export function rateWindowWords(key: string): string {
  const match = /^(\d+)([mhd])$/.exec(key);
  if (!match) return key;
  return windowLength(Number(match[1]) * (match[2] === 'd' ? 1440 : match[2] === 'h' ? 60 : 1));
}
