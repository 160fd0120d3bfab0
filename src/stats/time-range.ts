import { parseTimestamp } from '../logs/fields.js';
import { isoTime } from '../logs/iso-time.js';
import type { TimeRange } from '../logs/source.js';
import { type Problem, ValidationError } from '../validation/problems.js';

export const DAY_MS = 86_400_000;
/** The range used when a request names neither `from` nor `to`. */
export const DEFAULT_SPAN_MS = DAY_MS;

export interface RangeQuery {
  from?: string;
  to?: string;
}

/**
 * The half-open range [from, to) of a request: ISO 8601 (or epoch ms) `from`/`to`, by default
 * the last 24 hours ending now; a missing bound is placed 24 hours from the other. Throws
 * ValidationError (422) naming `from` or `to` when a bound does not parse, `to` is not after
 * `from`, or the span exceeds `maxDays`.
 */
export function parseRange(query: RangeQuery, now: number, maxDays: number): TimeRange {
  const problems: Problem[] = [];
  const from = parseBound(query.from, 'from', problems);
  const to = parseBound(query.to, 'to', problems);
  if (problems.length > 0) throw new ValidationError(problems);

  const end = to ?? (from === undefined ? now : from + DEFAULT_SPAN_MS);
  const start = from ?? end - DEFAULT_SPAN_MS;
  if (end <= start) throw new ValidationError([{ field: 'to', message: 'must be after from' }]);
  if (end - start > maxDays * DAY_MS) {
    throw new ValidationError([
      { field: 'to', message: `the range from..to must span at most ${maxDays} days (DASHBOARD_MAX_DAYS)` },
    ]);
  }
  return { from: start, to: end };
}

function parseBound(value: string | undefined, field: string, problems: Problem[]): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = parseTimestamp(value);
  if (ms === undefined) {
    problems.push({
      field,
      message:
        'must be an ISO 8601 time such as 2026-01-31T12:00:00Z, or epoch milliseconds, between 1970-01-01 and 9999-12-31',
    });
  }
  return ms;
}

export const iso = isoTime;
