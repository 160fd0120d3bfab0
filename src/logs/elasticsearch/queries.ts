import type { DurationUnit } from '../../config/config.js';
import type { Thresholds, TimeRange } from '../source.js';
import { type KeywordField, keywordTerms } from './keyword-field.js';

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

import type { Query } from './query.js';

export type { Query };

/** `[from, to)` on the time field, as epoch milliseconds. */
export function timeRange(field: string, range: TimeRange): Query {
  return { range: { [field]: { gte: range.from, lt: range.to, format: 'epoch_millis' } } };
}

/**
 * The logs a checkpoint window [from, to) covers. With an ingest-time field, a log counts by the
 * time it was indexed, so one shipped hours late is still in the window it became visible in;
 * logs without that field count by their own time.
 */
export function scanWindow(timestampField: string, ingestedField: string | undefined, range: TimeRange): Query {
  if (ingestedField === undefined) return timeRange(timestampField, range);
  return {
    bool: {
      should: [
        timeRange(ingestedField, range),
        { bool: { must_not: [{ exists: { field: ingestedField } }], filter: [timeRange(timestampField, range)] } },
      ],
      minimum_should_match: 1,
    },
  };
}

/** Whole seconds, so that repeated dashboard queries are identical and the request cache can serve them. */
export function roundToSeconds(range: TimeRange): TimeRange {
  return { from: Math.floor(range.from / 1000) * 1000, to: Math.floor(range.to / 1000) * 1000 };
}

export interface ScanFields {
  timestamp: string;
  app: KeywordField;
  duration: string;
  unit: DurationUnit;
}

/**
 * At most this many threshold groups in one query. Each is three boolean clauses, and Lucene 9
 * (Elasticsearch 8+, OpenSearch 2+) counts clauses over the whole query against a limit of 1024
 * (Elasticsearch 7: per bool), which leaves room for the window and the exclusions.
 */
export const MAX_THRESHOLD_GROUPS = 128;

/**
 * The threshold test pushed into the query: the window AND the apps with rules AND, per group
 * of apps, (those apps AND duration >= the group's lowest threshold). Apps with the same
 * threshold share a group. Past MAX_THRESHOLD_GROUPS distinct values, neighbouring thresholds
 * share one, grouped so that the highest in any group is as little above its lowest as
 * possible: any number of rules fits the clause limit, and the extra documents a group lets
 * through are those just under an app's own threshold.
 */
export function candidateQuery(fields: ScanFields, window: Query, thresholds: Thresholds): Query {
  const should = thresholdGroups(thresholds).map(({ minMs, apps }) => ({
    bool: {
      filter: [
        keywordTerms(fields.app, apps.sort()),
        { range: { [fields.duration]: { gte: thresholdInUnit(minMs, fields.unit) } } },
      ],
    },
  }));
  return {
    bool: {
      filter: [window, keywordTerms(fields.app, [...thresholds.keys()].sort())],
      should,
      minimum_should_match: 1,
    },
  };
}

export interface ThresholdGroup {
  minMs: number;
  apps: string[];
}

/** Apps grouped by threshold, at most MAX_THRESHOLD_GROUPS groups, lowest threshold first. */
export function thresholdGroups(thresholds: Thresholds, maxGroups = MAX_THRESHOLD_GROUPS): ThresholdGroup[] {
  const appsByThreshold = new Map<number, string[]>();
  for (const [app, ms] of thresholds) {
    const apps = appsByThreshold.get(ms) ?? [];
    apps.push(app);
    appsByThreshold.set(ms, apps);
  }
  const values = [...appsByThreshold.keys()].sort((a, b) => a - b);
  const ratio = values.length <= maxGroups ? 1 : smallestGroupRatio(values, maxGroups);
  const groups: ThresholdGroup[] = [];
  for (const value of values) {
    const last = groups.at(-1);
    if (last && value <= last.minMs * ratio) last.apps.push(...appsByThreshold.get(value)!);
    else groups.push({ minMs: value, apps: [...appsByThreshold.get(value)!] });
  }
  return groups;
}

/** How many groups greedy grouping makes when a group may span up to `ratio` (highest/lowest). */
function groupCount(sorted: number[], ratio: number): number {
  let count = 0;
  let start = Number.NaN;
  for (const value of sorted) {
    if (!(value <= start * ratio)) {
      count++;
      start = value;
    }
  }
  return count;
}

/** The smallest span ratio (to 0.1 %) whose greedy grouping needs at most `maxGroups` groups. */
function smallestGroupRatio(sorted: number[], maxGroups: number): number {
  let low = 1;
  let high = Math.max(2, (sorted.at(-1)! / Math.max(sorted[0]!, Number.MIN_VALUE)) * 2);
  while (high / low > 1.001) {
    const mid = Math.sqrt(low * high);
    if (groupCount(sorted, mid) <= maxGroups) high = mid;
    else low = mid;
  }
  return high;
}

/** Logs whose duration the embedded store would count: numeric and not negative. */
export function durationPresent(durationField: string): Query {
  return { range: { [durationField]: { gte: 0 } } };
}

/**
 * Logs whose duration is greater than `ms`, as the embedded store compares its durations in ms.
 * Exact for durations in ms (and whenever the threshold converts exactly into the field's unit).
 */
export function durationAbove(durationField: string, ms: number, unit: DurationUnit): Query {
  return { range: { [durationField]: { gt: ms * UNITS_PER_MS[unit] } } };
}
