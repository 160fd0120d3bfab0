import type { Problem } from '../../../validation/problems.js';
import type { DescribeInput, FindingDetails, SeriesFinding, WindowKindModule } from '../kind.js';
import { given } from '../window-fields.js';
import { formatClock, formatMinutes, formatValue, subjectOf } from '../words.js';
import { type BurnAlertJudged, burnWindowsOf, countQuery, judgeBurnAlerts, periodMsOf, type SloRule } from './burn.js';
import { budgetExhaustedAt, budgetRemainingPercent, burnRate, countsOf } from './figures.js';
import { sloReports } from './reports.js';
import {
  type BurnAlert,
  DEFAULT_BURN_ALERTS,
  SloCreate,
  SloDefinition,
  SloOutput,
  SloPreview,
  SloUpdate,
  sloListFilters,
} from './schema.js';

const MINUTE = 60_000;

/**
 * `slo`: a latency objective over a rolling period ("99.5 % of checkout requests within 500 ms
 * over 28 days") with multi-window, multi-burn-rate alerts: a series fires while, for some burn
 * alert, both its long and short window burn the error budget at >= factor, and resolves when
 * none does. Its value is the long window's burn rate (unit ×), its threshold the factor.
 */
export const sloKind: WindowKindModule<SloRule> = {
  family: 'window',
  name: 'slo',
  label: 'SLO',
  tag: 'slo rules',
  createSchema: SloCreate,
  updateSchema: SloUpdate,
  previewSchema: SloPreview,
  outputSchema: SloOutput,
  definitionSchema: SloDefinition,
  listFilters: sloListFilters,
  store: (stores) => stores.windowRules('slo'),
  summary: (common) => {
    const rule = common as SloRule;
    return `${rule.objective} % of ${rule.message_key ?? 'all keys'} within ${formatValue(rule.threshold_ms, 'ms')} over ${rule.period_days} d`;
  },

  definitionOf: (input) =>
    ({
      threshold_ms: input.threshold_ms as number,
      objective: input.objective as number,
      period_days: given<number>(input, 'period_days') ?? 28,
      burn_alerts: given<BurnAlert[]>(input, 'burn_alerts') ?? DEFAULT_BURN_ALERTS,
    }) satisfies SloDefinition,

  check(rule) {
    const problems: Problem[] = [];
    const alerts = (rule.burn_alerts as BurnAlert[] | undefined) ?? [];
    for (const [i, alert] of alerts.entries()) {
      if (alert.short_minutes >= alert.long_minutes) {
        problems.push({ field: `burn_alerts.${i}.short_minutes`, message: 'must be shorter than long_minutes' });
      }
      if (alert.long_minutes > (rule.period_days as number) * 1440) {
        problems.push({ field: `burn_alerts.${i}.long_minutes`, message: 'must be at most the period' });
      }
    }
    return problems;
  },

  pendingMinutes: () => 0,

  queries: (rule, end) =>
    burnWindowsOf(rule).map((minutes) => countQuery(rule, { from: end - minutes * MINUTE, to: end })),

  judge(rule, answers, end) {
    const judged = judgeBurnAlerts(
      rule,
      answers.map((series) => series[0]),
    );
    const lead = judged.find((a) => a.holds) ?? (judged[0] as BurnAlertJudged);
    const windows = burnWindowsOf(rule);
    const long = countsOf(answers[windows.indexOf(lead.long_minutes)]?.[0]);
    const holds = judged.some((a) => a.holds);
    const fastest = Math.max(...rule.burn_alerts.map((a) => a.factor));
    const finding: SeriesFinding = {
      seriesKey: '',
      messageKey: rule.message_key,
      statistic: 'burn_rate',
      value: lead.long_rate,
      unit: '×',
      samples: long.good + long.bad,
      threshold: lead.factor,
      baselineValue: null,
      judged: true,
      holds,
      clears: !holds,
      windowFrom: end - lead.long_minutes * MINUTE,
      windowTo: end,
      details: {
        factor: lead.factor,
        long_minutes: lead.long_minutes,
        short_minutes: lead.short_minutes,
        long_rate: lead.long_rate,
        short_rate: lead.short_rate,
      },
      // The fastest burn alert pages; slower ones warn.
      ...(holds ? { severity: lead.factor === fastest ? ('critical' as const) : ('warning' as const) } : {}),
    };
    return [finding];
  },

  async eventDetails(rule, finding, read) {
    const [answer] = await read([
      countQuery(rule, { from: finding.windowTo - periodMsOf(rule), to: finding.windowTo }),
    ]);
    const counts = countsOf(answer?.[0]);
    const remaining = budgetRemainingPercent(counts, rule.objective);
    const exhaustedAt = budgetExhaustedAt(remaining, finding.value, periodMsOf(rule), finding.windowTo);
    return {
      period_good: counts.good,
      period_bad: counts.bad,
      budget_remaining_percent: remaining,
      budget_exhausted_at: exhaustedAt === null ? null : new Date(exhaustedAt).toISOString(),
    };
  },

  describe: (input) => describeSlo(input),

  chartStepMs: (rule) => (rule.burn_alerts[0]?.short_minutes ?? 5) * MINUTE,
  chartQuery: (rule, _messageKey, range) => countQuery(rule, range),
  chartValue: (series, rule) => burnRate(countsOf(series), rule.objective),

  reports: sloReports,
};

/**
 * "checkout POST /orders: error budget burning 16× over the last 1 h and 20× over the last 5 min
 * (alert at 14.4×; objective 99 % within 500 ms); 50 % of the 28 d budget left, gone by 07:00
 * UTC at this rate; firing since 10:00 UTC", and its resolved form.
 */
function describeSlo({ rule, finding, app, messageKey, event, startedAt, resolvedAt }: DescribeInput<SloRule>): string {
  const subject = subjectOf(app, messageKey);
  const d = finding.details ?? {};
  const rate = (x: unknown) => (typeof x === 'number' ? formatValue(x, '×') : 'no logs');
  const windows = `${formatMinutes(Number(d.long_minutes))}: ${rate(d.long_rate)}, ${formatMinutes(Number(d.short_minutes))}: ${rate(d.short_rate)}`;
  const budget = budgetWords(rule, d, finding.windowTo, event !== 'resolved');
  if (event === 'resolved') {
    const after = formatMinutes(((resolvedAt ?? finding.windowTo) - startedAt) / MINUTE);
    return `${subject}: no burn alert holds any more after ${after} (${windows})${budget}`;
  }
  const since = `${event === 'reminder' ? 'still firing' : 'firing'} since ${formatClock(startedAt, finding.windowTo)}`;
  return (
    `${subject}: error budget burning ${rate(d.long_rate)} over the last ${formatMinutes(Number(d.long_minutes))} ` +
    `and ${rate(d.short_rate)} over the last ${formatMinutes(Number(d.short_minutes))} ` +
    `(alert at ${rate(d.factor)}; objective ${formatValue(rule.objective, '%')} within ${formatValue(rule.threshold_ms, 'ms')})` +
    `${budget}; ${since}`
  );
}

/** "; 50 % of the 28 d budget left, gone by 07:00 UTC at this rate", or "; the 28 d budget is spent (−20 % left)". */
function budgetWords(rule: SloRule, d: FindingDetails, at: number, withRunOut: boolean): string {
  const left = d.budget_remaining_percent;
  if (typeof left !== 'number') return '';
  const period = `the ${rule.period_days} d budget`;
  if (left <= 0) return `; ${period} is spent (${formatValue(left, '%')} left)`;
  const exhausted = typeof d.budget_exhausted_at === 'string' ? Date.parse(d.budget_exhausted_at) : null;
  const runsOut = withRunOut && exhausted !== null ? `, gone by ${formatClock(exhausted, at)} at this rate` : '';
  return `; ${formatValue(left, '%')} of ${period} left${runsOut}`;
}
