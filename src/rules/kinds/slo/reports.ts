import Type from 'typebox';
import type { WindowQuery } from '../../../logs/window-stats.js';
import type { RuleReport, RuleReportInput } from '../kind.js';
import { burnWindowsOf, countQuery, judgeBurnAlerts, periodMsOf, type SloRule } from './burn.js';
import {
  addCounts,
  budgetExhaustedAt,
  budgetRemainingPercent,
  burnRate,
  type Counts,
  countsOf,
  STATUS_WINDOWS,
  sliPercent,
} from './figures.js';

const MINUTE = 60_000;
const Rate = Type.Union([Type.Number(), Type.Null()]);
const Iso = Type.String({ format: 'date-time' });
const BurnAlertOutput = Type.Object({
  long_minutes: Type.Integer(),
  short_minutes: Type.Integer(),
  factor: Type.Number(),
});

export const SloStatusOutput = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  app_name: Type.String(),
  message_key: Type.Union([Type.String(), Type.Null()]),
  threshold_ms: Type.Number(),
  objective: Type.Number(),
  period_days: Type.Integer(),
  period: Type.Object({ from: Iso, to: Iso }, { description: 'The period the figures cover: [from, to), to = now' }),
  good: Type.Integer({ description: 'Logs with duration <= threshold_ms' }),
  bad: Type.Integer({ description: 'Logs with duration > threshold_ms' }),
  sli_percent: Type.Union([Type.Number(), Type.Null()], { description: 'good / (good + bad) in %; null with no logs' }),
  budget_remaining_percent: Type.Number({
    description: '100 × (1 − bad / ((1 − objective/100) × (good + bad))); below 0 when overspent; 100 with no logs',
  }),
  burn_rates: Type.Object(
    { '5m': Rate, '30m': Rate, '1h': Rate, '6h': Rate },
    { description: '(bad / (good + bad)) / (1 − objective/100) over the window ending now; null with no logs' },
  ),
  burn_alerts: Type.Array(
    Type.Object({
      long_minutes: Type.Integer(),
      short_minutes: Type.Integer(),
      factor: Type.Number(),
      long_rate: Rate,
      short_rate: Rate,
      holds: Type.Boolean({ description: 'Both windows burn at >= factor now' }),
    }),
  ),
  budget_exhausted_at: Type.Union([Iso, Type.Null()], {
    description: 'When the budget left runs out at the 1 h burn rate (now if none is left; null when it does not burn)',
  }),
  firing: Type.Boolean({ description: 'An incident of the SLO is firing (as the scans judged it)' }),
});

/** The status of an SLO over the period ending `now`. */
export async function sloStatus({ rule, read, now, firing }: Omit<RuleReportInput<SloRule>, 'query'>) {
  const periodMs = periodMsOf(rule);
  const labels = Object.keys(STATUS_WINDOWS) as (keyof typeof STATUS_WINDOWS)[];
  const burnWindows = burnWindowsOf(rule);
  const ranges = [periodMs, ...labels.map((l) => STATUS_WINDOWS[l] * MINUTE), ...burnWindows.map((m) => m * MINUTE)];
  const answers = await read(ranges.map((ms) => countQuery(rule, { from: now - ms, to: now })));
  const [period, ...rest] = answers.map((series) => countsOf(series[0]));
  const counts = period as Counts;
  const rates = Object.fromEntries(labels.map((l, i) => [l, burnRate(rest[i] as Counts, rule.objective)])) as Record<
    keyof typeof STATUS_WINDOWS,
    number | null
  >;
  const remaining = budgetRemainingPercent(counts, rule.objective);
  const exhaustedAt = budgetExhaustedAt(remaining, rates['1h'], periodMs, now);
  const judged = judgeBurnAlerts(
    rule,
    answers.slice(1 + labels.length).map((series) => series[0]),
  );
  return {
    id: rule.id,
    name: rule.name,
    app_name: rule.app_name,
    message_key: rule.message_key,
    threshold_ms: rule.threshold_ms,
    objective: rule.objective,
    period_days: rule.period_days,
    period: { from: new Date(now - periodMs).toISOString(), to: new Date(now).toISOString() },
    good: counts.good,
    bad: counts.bad,
    sli_percent: sliPercent(counts),
    budget_remaining_percent: remaining,
    burn_rates: rates,
    burn_alerts: judged,
    budget_exhausted_at: exhaustedAt === null ? null : new Date(exhaustedAt).toISOString(),
    firing,
  };
}

export const DEFAULT_HISTORY_POINTS = 120;
export const MAX_HISTORY_POINTS = 500;

const HistoryQuery = Type.Object(
  {
    points: Type.Optional(
      Type.Integer({
        minimum: 2,
        maximum: MAX_HISTORY_POINTS,
        description: `Points over the period (default ${DEFAULT_HISTORY_POINTS})`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const SloHistoryOutput = Type.Object({
  from: Iso,
  to: Iso,
  step_ms: Type.Integer(),
  objective: Type.Number(),
  burn_alerts: Type.Array(BurnAlertOutput),
  points: Type.Array(
    Type.Object({
      t: Type.String({ format: 'date-time', description: 'The end of the step' }),
      good: Type.Integer({ description: 'Good logs within the step' }),
      bad: Type.Integer({ description: 'Bad logs within the step' }),
      budget_remaining_percent: Type.Number({
        description: 'The burn-down: the budget left over the logs from the period start through t (100 before any)',
      }),
      burn_rates: Type.Record(Type.String(), Rate, {
        description:
          'Per distinct window of the burn alerts ("60m", "5m", …): the burn rate over the window ending at t',
      }),
    }),
  ),
});

/**
 * The SLO over the period ending now in `points` steps, for a burn-down chart: per step its good
 * and bad logs, the budget left cumulatively from the period start through the step's end (the
 * last point equals the status's figure), and the burn rate of each burn-alert window ending there.
 */
export async function sloHistory({ rule, read, now, query }: RuleReportInput<SloRule>) {
  const points = (query.points as number | undefined) ?? DEFAULT_HISTORY_POINTS;
  const periodMs = periodMsOf(rule);
  const from = now - periodMs;
  const step = Math.ceil(periodMs / points);
  const ends = Array.from({ length: points }, (_, i) => Math.min(from + (i + 1) * step, now));
  const windows = burnWindowsOf(rule);
  const questions: WindowQuery[] = [];
  for (const [i, t] of ends.entries()) {
    questions.push(countQuery(rule, { from: i === 0 ? from : (ends[i - 1] as number), to: t }));
    for (const minutes of windows) questions.push(countQuery(rule, { from: t - minutes * MINUTE, to: t }));
  }
  const answers = await read(questions);
  let total: Counts = { good: 0, bad: 0 };
  const per = 1 + windows.length;
  return {
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    step_ms: step,
    objective: rule.objective,
    burn_alerts: rule.burn_alerts,
    points: ends.map((t, i) => {
      const own = countsOf(answers[i * per]?.[0]);
      total = addCounts(total, own);
      return {
        t: new Date(t).toISOString(),
        good: own.good,
        bad: own.bad,
        budget_remaining_percent: budgetRemainingPercent(total, rule.objective),
        burn_rates: Object.fromEntries(
          windows.map((minutes, w) => [
            `${minutes}m`,
            burnRate(countsOf(answers[i * per + 1 + w]?.[0]), rule.objective),
          ]),
        ),
      };
    }),
  };
}

export const sloReports: readonly RuleReport<SloRule>[] = [
  {
    name: 'status',
    summary: 'The SLO over the period ending now: good, bad, SLI, budget left, burn rates (exact counts)',
    query: Type.Object({}, { additionalProperties: false }),
    output: SloStatusOutput,
    compute: sloStatus,
  },
  {
    name: 'history',
    summary: 'The SLO over the period in steps: good and bad per step, the budget burn-down, burn rates',
    query: HistoryQuery,
    output: SloHistoryOutput,
    compute: sloHistory,
  },
];
