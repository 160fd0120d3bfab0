import { PERCENTILES, type PercentileName } from './percentile.js';
import { WINDOW_STATISTICS, type WindowQuery, type WindowSeries } from './window-stats.js';

/**
 * Checks a window query before any source reads for it: a bad one is a caller's mistake
 * (rules are validated at the API), so it throws a RangeError naming the problem.
 */
export function assertWindowQuery(query: WindowQuery): void {
  const name = `window query for ${JSON.stringify(query.app)}`;
  if (typeof query.app !== 'string' || query.app === '')
    throw new RangeError(`${name}: app must be a non-empty string`);
  if (!WINDOW_STATISTICS.includes(query.statistic))
    throw new RangeError(`${name}: unknown statistic ${query.statistic}`);
  if (!Number.isInteger(query.maxSeries) || query.maxSeries < 0) {
    throw new RangeError(`${name}: maxSeries must be a non-negative integer`);
  }
  if (!Number.isFinite(query.range.from) || !Number.isFinite(query.range.to)) {
    throw new RangeError(`${name}: range must be finite epoch milliseconds`);
  }
  if (query.statistic === 'slow_ratio' && !isThreshold(query.slowMs)) {
    throw new RangeError(`${name}: slow_ratio needs slowMs (a finite number >= 0)`);
  }
  if (query.countAboveMs !== undefined && !isThreshold(query.countAboveMs)) {
    throw new RangeError(`${name}: countAboveMs must be a finite number >= 0`);
  }
}

const isThreshold = (value: number | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Whether a query asks for one series per message key. */
export const isPerKey = (query: WindowQuery) => query.perKey && query.messageKey === null;

/** The percentile of a statistic as a fraction, or undefined for avg, max and slow_ratio. */
export function percentileOf(statistic: WindowQuery['statistic']): number | undefined {
  return statistic in PERCENTILES ? PERCENTILES[statistic as PercentileName] : undefined;
}

/** The series of a query without `perKey` when nothing matched. */
export function emptySeries(query: WindowQuery): WindowSeries {
  return {
    messageKey: query.messageKey,
    logs: 0,
    samples: 0,
    value: null,
    ...(query.countAboveMs === undefined ? {} : { above: 0 }),
  };
}

/** Busiest first: most samples, then by key (code-unit order, as the servers order keys). */
export function busiestFirst(a: WindowSeries, b: WindowSeries): number {
  if (a.samples !== b.samples) return b.samples - a.samples;
  const x = a.messageKey ?? '';
  const y = b.messageKey ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
