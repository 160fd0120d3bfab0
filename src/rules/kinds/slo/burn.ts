import type { WindowQuery, WindowSeries } from '../../../logs/window-stats.js';
import type { WindowRule } from '../kind.js';
import { burnRate, countsOf } from './figures.js';
import type { BurnAlert, SloDefinition } from './schema.js';

export type SloRule = WindowRule & SloDefinition;

const DAY = 86_400_000;

/** The period's length in ms. */
export const periodMsOf = (rule: SloRule): number => rule.period_days * DAY;

/** Every distinct window (minutes) the rule's burn alerts judge, in the order they first appear. */
export const burnWindowsOf = (rule: SloRule): number[] => [
  ...new Set(rule.burn_alerts.flatMap((a) => [a.long_minutes, a.short_minutes])),
];

/** The question for good and bad logs of the rule over `range`. */
export function countQuery(rule: SloRule, range: { from: number; to: number }): WindowQuery {
  return {
    app: rule.app_name,
    messageKey: rule.message_key,
    perKey: false,
    maxSeries: 1,
    range,
    statistic: 'max',
    countAboveMs: rule.threshold_ms,
  };
}

/** A burn alert judged at one time. */
export interface BurnAlertJudged extends BurnAlert {
  long_rate: number | null;
  short_rate: number | null;
  /** Both windows burn at >= factor. */
  holds: boolean;
}

/** Each burn alert over the answers to one count query per window of `burnWindowsOf` (same order). */
export function judgeBurnAlerts(rule: SloRule, answers: readonly (WindowSeries | undefined)[]): BurnAlertJudged[] {
  const windows = burnWindowsOf(rule);
  const rateOf = (minutes: number) => burnRate(countsOf(answers[windows.indexOf(minutes)]), rule.objective);
  return rule.burn_alerts.map((alert) => {
    const long_rate = rateOf(alert.long_minutes);
    const short_rate = rateOf(alert.short_minutes);
    const holds = long_rate !== null && short_rate !== null && long_rate >= alert.factor && short_rate >= alert.factor;
    return { ...alert, long_rate, short_rate, holds };
  });
}
