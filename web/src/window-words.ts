/**
 * Window rules and their findings in words: the statistic, its value in its unit, the window,
 * and the sentence a rule form shows for the API's preview ("p95 over the last 5 min: 640 ms
 * from 1,204 logs; would not fire"). Pure: unit-tested outside a browser.
 */
import type { PreviewSeries, RulePreview, WindowStatistic } from './api/window-types.js';
import { formatMs } from './format.js';

const figure = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** "1,204 logs", "1 log". */
export function logCount(n: number): string {
  return `${figure.format(n)} log${n === 1 ? '' : 's'}`;
}

/** A value in its unit: "640 ms", "1.24 s", "12.5%", "35 min". */
export function formatStatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (unit === 'ms') return formatMs(value);
  if (unit === '%') return `${decimal.format(value)}%`;
  return `${decimal.format(value)}${unit ? ` ${unit}` : ''}`;
}

/** "p95", "average", "max", "share of logs over 300 ms". */
export function statisticWords(statistic: WindowStatistic | string, slowMs?: number | null): string {
  if (statistic === 'avg') return 'average';
  if (statistic === 'slow_ratio') return slowMs ? `share of logs over ${formatMs(slowMs)}` : 'share of slow logs';
  return statistic;
}

export function unitOf(statistic: WindowStatistic | string): 'ms' | '%' {
  return statistic === 'slow_ratio' ? '%' : 'ms';
}

/** "23 min", "2 h 5 min", "3 d 4 h". */
export function formatLasting(fromIso: string, toIso: string | null, now = Date.now()): string {
  const minutes = Math.max(0, Math.round(((toIso ? Date.parse(toIso) : now) - Date.parse(fromIso)) / 60_000));
  if (Number.isNaN(minutes)) return '—';
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 1440) return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  const hours = Math.floor((minutes % 1440) / 60);
  return `${Math.floor(minutes / 1440)} d${hours ? ` ${hours} h` : ''}`;
}

/** "the last 5 min", "the last 2 h", "the last 90 min", "the last 1 d". */
export function windowWords(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return `the last ${minutes / 1440} d`;
  if (minutes >= 60 && minutes % 60 === 0) return `the last ${minutes / 60} h`;
  return `the last ${minutes} min`;
}

const BASELINE_WORDS: Record<string, string> = { '1d': 'a day earlier', '7d': 'a week earlier' };

/** What the preview sentence needs of the rule as typed. */
export interface PreviewRule {
  kind: 'latency' | 'absence';
  statistic?: WindowStatistic;
  slow_ms?: number | null;
  window_minutes?: number;
  silent_minutes?: number;
  per_key?: boolean;
  min_samples?: number;
  compare_to?: '1d' | '7d' | null;
}

export interface PreviewWords {
  /** The one sentence: what the rule sees and whether it would fire. */
  headline: string;
  /** Per message key (per_key): the top few series, those over the threshold first. */
  lines: string[];
  /** How many series the lines leave out. */
  more: number;
}

/** How many series a per-key preview lists. */
export const PREVIEW_TOP = 5;

const verdict = (fires: boolean) => (fires ? 'would fire' : 'would not fire');

function seriesFinding(rule: PreviewRule, series: PreviewSeries, unit: string): string {
  if (series.samples === 0 || series.value === null) return 'no logs';
  let text = `${formatStatValue(series.value, unit)} from ${logCount(series.samples)}`;
  if (rule.compare_to && series.baseline_value !== null) {
    text += ` (${BASELINE_WORDS[rule.compare_to] ?? 'baseline'}: ${formatStatValue(series.baseline_value, unit)})`;
  }
  return text;
}

function seriesState(rule: PreviewRule, series: PreviewSeries): string {
  if (!series.judged) return `fewer than ${figure.format(rule.min_samples ?? 0)} logs, not judged`;
  return series.condition_holds ? 'over the threshold' : 'within the threshold';
}

/** The preview in words, for a latency or an absence rule. */
export function describePreview(rule: PreviewRule, preview: RulePreview): PreviewWords {
  const fires = verdict(preview.would_fire);
  if (rule.kind === 'absence') {
    const logs = preview.series.reduce((sum, s) => sum + s.samples, 0);
    const window = windowWords(rule.silent_minutes ?? 0);
    const headline = logs === 0 ? `No log in ${window}; ${fires}` : `${logCount(logs)} in ${window}; ${fires}`;
    return { headline, lines: [], more: 0 };
  }
  const what = `${statisticWords(rule.statistic ?? 'p95', rule.slow_ms)} over ${windowWords(rule.window_minutes ?? 0)}`;
  if (!rule.per_key) {
    const series = preview.series[0];
    if (!series) return { headline: `${what}: no logs; ${fires}`, lines: [], more: 0 };
    const notJudged = !series.judged && series.samples > 0 ? `, fewer than ${rule.min_samples ?? 0}: not judged` : '';
    return {
      headline: `${what}: ${seriesFinding(rule, series, preview.unit)}${notJudged}; ${fires}`,
      lines: [],
      more: 0,
    };
  }
  if (preview.series.length === 0) {
    return { headline: `${what}, per message key: no logs; ${fires}`, lines: [], more: 0 };
  }
  const over = preview.series.filter((s) => s.judged && s.condition_holds).length;
  const keys = `${figure.format(preview.series.length)} key${preview.series.length === 1 ? '' : 's'}`;
  const headline = `${what}, per message key: ${keys}, ${figure.format(over)} over the threshold; ${fires}`;
  const ranked = [...preview.series].sort(
    (a, b) =>
      Number(b.judged && b.condition_holds) - Number(a.judged && a.condition_holds) ||
      (b.value ?? Number.NEGATIVE_INFINITY) - (a.value ?? Number.NEGATIVE_INFINITY),
  );
  const lines = ranked
    .slice(0, PREVIEW_TOP)
    .map((s) => `${s.message_key ?? '(no key)'}: ${seriesFinding(rule, s, preview.unit)}; ${seriesState(rule, s)}`);
  return { headline, lines, more: Math.max(0, ranked.length - PREVIEW_TOP) };
}

/** A latency rule's condition in words: "p95 over 5 min > 800 ms", "p95 over 5 min > 2× a day earlier (+100 ms)". */
export function latencyConditionWords(rule: {
  statistic: WindowStatistic;
  slow_ms: number | null;
  window_minutes: number;
  threshold: number | null;
  baseline: { compare_to: string; ratio: number; min_increase_ms: number } | null;
}): string {
  const what = `${statisticWords(rule.statistic, rule.slow_ms)} over ${rule.window_minutes} min`;
  if (rule.baseline) {
    const more = rule.baseline.min_increase_ms > 0 ? ` (+${formatMs(rule.baseline.min_increase_ms)})` : '';
    return `${what} > ${decimal.format(rule.baseline.ratio)}× ${BASELINE_WORDS[rule.baseline.compare_to] ?? rule.baseline.compare_to}${more}`;
  }
  return `${what} > ${formatStatValue(rule.threshold, unitOf(rule.statistic))}`;
}
