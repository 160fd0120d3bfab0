import type { DurationUnit } from '../../config/config.js';
import type { Thresholds, TimeRange } from '../source.js';

/** Milliseconds per unit of the source's duration field. */
const MS_PER_UNIT: Record<DurationUnit, number> = { ms: 1, s: 1000, us: 0.001, ns: 0.000001 };
/** Source units per millisecond (exact for the integer units, unlike dividing by MS_PER_UNIT). */
const UNITS_PER_MS: Record<DurationUnit, number> = { ms: 1, s: 0.001, us: 1000, ns: 1_000_000 };

export function toMs(value: number, unit: DurationUnit): number {
  return value * MS_PER_UNIT[unit];
}

/**
 * A threshold in ms as a lower bound in source units. Never above the exact value: a bound that
 * rounding pushed up would lose logs at the threshold.
 */
export function thresholdInUnit(ms: number, unit: DurationUnit): number {
  const value = ms * UNITS_PER_MS[unit];
  return Number.isInteger(value) ? value : value * (1 - 1e-12);
}

export type Query = Record<string, unknown>;

/** `[from, to)` on the time field, as epoch milliseconds. */
export function timeRange(field: string, range: TimeRange): Query {
  return { range: { [field]: { gte: range.from, lt: range.to, format: 'epoch_millis' } } };
}

/** Whole seconds, so that repeated dashboard queries are identical and the request cache can serve them. */
export function roundToSeconds(range: TimeRange): TimeRange {
  return { from: Math.floor(range.from / 1000) * 1000, to: Math.floor(range.to / 1000) * 1000 };
}

export interface ScanFields {
  timestamp: string;
  app: string;
  duration: string;
  unit: DurationUnit;
}

/**
 * The threshold test pushed into the query: the window AND the apps with rules AND, per distinct
 * threshold value, (those apps AND duration >= threshold). One clause per threshold value, never
 * per rule, so the query stays far below the boolean clause limit (1024 in 7.x).
 */
export function candidateQuery(fields: ScanFields, range: TimeRange, thresholds: Thresholds): Query {
  const appsByThreshold = new Map<number, string[]>();
  for (const [app, ms] of thresholds) {
    const apps = appsByThreshold.get(ms) ?? [];
    apps.push(app);
    appsByThreshold.set(ms, apps);
  }
  const should = [...appsByThreshold.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ms, apps]) => ({
      bool: {
        filter: [
          { terms: { [fields.app]: apps.sort() } },
          { range: { [fields.duration]: { gte: thresholdInUnit(ms, fields.unit) } } },
        ],
      },
    }));
  return {
    bool: {
      filter: [timeRange(fields.timestamp, range), { terms: { [fields.app]: [...thresholds.keys()].sort() } }],
      should,
      minimum_should_match: 1,
    },
  };
}

/** Logs whose duration the embedded store would count: numeric and not negative. */
export function durationPresent(durationField: string): Query {
  return { range: { [durationField]: { gte: 0 } } };
}
