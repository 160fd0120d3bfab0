import type { WindowQuery, WindowSeries } from '../../../logs/window-stats.js';
import type { Problem } from '../../../validation/problems.js';
import type { DescribeInput, SeriesFinding, WindowKindModule, WindowRule } from '../kind.js';
import { given } from '../window-fields.js';
import { formatClock, formatCount, formatMinutes, formatValue, subjectOf } from '../words.js';
import {
  BASELINE_OFFSETS,
  LatencyCreate,
  LatencyDefinition,
  LatencyOutput,
  LatencyPreview,
  LatencyUpdate,
  latencyListFilters,
  MAX_SERIES,
} from './schema.js';

export type LatencyRule = WindowRule & LatencyDefinition;

const MINUTE = 60_000;

/**
 * `latency`: a statistic of the durations (p50…p99, avg, max, slow_ratio) over a window of log
 * time, per app, per (app, key), or one series per key; fires when it is above a threshold, or
 * above ratio × the same statistic a day or a week earlier.
 */
export const latencyKind: WindowKindModule<LatencyRule> = {
  family: 'window',
  name: 'latency',
  label: 'latency rule',
  tag: 'latency rules',
  createSchema: LatencyCreate,
  updateSchema: LatencyUpdate,
  previewSchema: LatencyPreview,
  outputSchema: LatencyOutput,
  definitionSchema: LatencyDefinition,
  listFilters: latencyListFilters,
  store: (stores) => stores.windowRules('latency'),
  summary: (common) => {
    const rule = common as LatencyRule;
    const scope = rule.message_key ?? (isPerKey(rule) ? 'each key' : 'all keys');
    const against = rule.baseline
      ? `> ${rule.baseline.ratio} × ${rule.baseline.compare_to} earlier`
      : `> ${formatValue(rule.threshold, rule.statistic === 'slow_ratio' ? '%' : 'ms')}`;
    return `${rule.statistic} of ${scope} over ${formatMinutes(rule.window_minutes)} ${against}`;
  },

  definitionOf(input) {
    const baseline = given<{ compare_to: '1d' | '7d'; ratio: number; min_increase_ms?: number }>(input, 'baseline');
    return {
      per_key: given<boolean>(input, 'per_key') ?? false,
      statistic: input.statistic as LatencyDefinition['statistic'],
      slow_ms: given<number>(input, 'slow_ms') ?? null,
      window_minutes: given<number>(input, 'window_minutes') ?? 5,
      threshold: given<number>(input, 'threshold') ?? null,
      baseline: baseline
        ? { compare_to: baseline.compare_to, ratio: baseline.ratio, min_increase_ms: baseline.min_increase_ms ?? 0 }
        : null,
      resolve_threshold: given<number>(input, 'resolve_threshold') ?? null,
      min_samples: given<number>(input, 'min_samples') ?? 20,
      pending_minutes: given<number>(input, 'pending_minutes') ?? 0,
    } satisfies LatencyDefinition;
  },

  check(rule) {
    const problems: Problem[] = [];
    const threshold = rule.threshold as number | null;
    const baseline = rule.baseline as object | null;
    if ((threshold === null) === (baseline === null)) {
      problems.push({ field: 'threshold', message: 'give exactly one of threshold and baseline' });
    }
    const resolve = rule.resolve_threshold as number | null;
    if (resolve !== null && threshold === null) {
      problems.push({
        field: 'resolve_threshold',
        message: 'only with a threshold (a baseline resolves when it no longer holds)',
      });
    } else if (resolve !== null && threshold !== null && resolve > threshold) {
      problems.push({ field: 'resolve_threshold', message: `must be at most the threshold (${threshold})` });
    }
    const slowRatio = rule.statistic === 'slow_ratio';
    if (slowRatio && rule.slow_ms === null) {
      problems.push({ field: 'slow_ms', message: 'is required with statistic slow_ratio' });
    }
    if (!slowRatio && rule.slow_ms !== null) {
      problems.push({ field: 'slow_ms', message: 'only with statistic slow_ratio' });
    }
    if (slowRatio && threshold !== null && threshold > 100) {
      problems.push({ field: 'threshold', message: 'slow_ratio is a percentage: at most 100' });
    }
    if (rule.per_key === true && rule.message_key !== null) {
      problems.push({ field: 'per_key', message: 'only with message_key null (one series per key of the app)' });
    }
    return problems;
  },

  pendingMinutes: (rule) => rule.pending_minutes,

  queries(rule, end) {
    const range = { from: end - rule.window_minutes * MINUTE, to: end };
    const current = queryOf(rule, rule.message_key, range);
    if (!rule.baseline) return [current];
    const shift = BASELINE_OFFSETS[rule.baseline.compare_to];
    return [current, { ...current, range: { from: range.from - shift, to: range.to - shift } }];
  },

  judge(rule, answers, end) {
    const [current = [], earlier] = answers;
    const windowFrom = end - rule.window_minutes * MINUTE;
    const unit = rule.statistic === 'slow_ratio' ? '%' : 'ms';
    const byKey = new Map((earlier ?? []).map((s) => [s.messageKey ?? '', s]));
    const seriesOf = (s: WindowSeries): SeriesFinding => {
      const seriesKey = isPerKey(rule) ? (s.messageKey ?? '') : '';
      const judgedNow = s.value !== null && s.samples >= rule.min_samples;
      let threshold = rule.threshold;
      let baselineValue: number | null = null;
      let judged = judgedNow;
      let holds = false;
      if (rule.baseline) {
        const b = byKey.get(isPerKey(rule) ? (s.messageKey ?? '') : (rule.message_key ?? ''));
        const then = b ?? (earlier && earlier.length === 1 && !isPerKey(rule) ? earlier[0] : undefined);
        baselineValue = then?.value ?? null;
        judged = judgedNow && then !== undefined && baselineValue !== null && then.samples >= rule.min_samples;
        threshold = baselineValue === null ? null : rule.baseline.ratio * baselineValue;
        holds =
          judged &&
          threshold !== null &&
          (s.value as number) > threshold &&
          (s.value as number) - (baselineValue as number) >= rule.baseline.min_increase_ms;
      } else {
        holds = judged && (s.value as number) > (threshold as number);
      }
      const resolveAt = rule.baseline ? null : (rule.resolve_threshold ?? rule.threshold);
      const clears = judged && (resolveAt === null ? !holds : (s.value as number) <= resolveAt);
      return {
        seriesKey,
        messageKey: isPerKey(rule) ? s.messageKey : rule.message_key,
        statistic: rule.statistic,
        value: s.value,
        unit,
        samples: s.samples,
        threshold,
        baselineValue,
        judged,
        holds,
        clears,
        windowFrom,
        windowTo: end,
      };
    };
    return current.map(seriesOf);
  },

  describe(input) {
    return describeLatency(input);
  },

  chartStepMs: (rule) => rule.window_minutes * MINUTE,
  chartQuery: (rule, messageKey, range) => queryOf(rule, messageKey, range, false),
  chartValue: (series) => series.value,
};

const isPerKey = (rule: LatencyRule) => rule.per_key && rule.message_key === null;

function queryOf(
  rule: LatencyRule,
  messageKey: string | null,
  range: { from: number; to: number },
  perKey = isPerKey(rule),
): WindowQuery {
  return {
    app: rule.app_name,
    messageKey,
    perKey,
    maxSeries: perKey ? MAX_SERIES : 1,
    range,
    statistic: rule.statistic,
    ...(rule.slow_ms !== null ? { slowMs: rule.slow_ms } : {}),
  };
}

/** "p95 1,240 ms over the last 5 min > 800 ms (412 logs), firing since 10:04 UTC", and its resolved form. */
function describeLatency({
  rule,
  finding,
  app,
  messageKey,
  event,
  startedAt,
  resolvedAt,
}: DescribeInput<LatencyRule>): string {
  const subject = subjectOf(app, messageKey);
  const stat =
    rule.statistic === 'slow_ratio' ? `share slower than ${formatValue(rule.slow_ms, 'ms')}` : rule.statistic;
  const value = formatValue(finding.value, finding.unit);
  const window = `over the last ${formatMinutes(rule.window_minutes)}`;
  const logs = `${formatCount(finding.samples)} ${finding.samples === 1 ? 'log' : 'logs'}`;
  if (event === 'resolved') {
    const after = formatMinutes(((resolvedAt ?? finding.windowTo) - startedAt) / MINUTE);
    return `${subject}: back to ${value} after ${after} (${stat} ${window}, ${logs})`;
  }
  const against = rule.baseline
    ? `> ${rule.baseline.ratio} × ${formatValue(finding.baselineValue, finding.unit)} ${rule.baseline.compare_to === '1d' ? 'a day' : 'a week'} earlier`
    : `> ${formatValue(finding.threshold, finding.unit)}`;
  const since = `${event === 'reminder' ? 'still firing' : 'firing'} since ${formatClock(startedAt, finding.windowTo)}`;
  return `${subject}: ${stat} ${value} ${window} ${against} (${logs}), ${since}`;
}
