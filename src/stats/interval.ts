import type { TimeRange } from '../logs/source.js';
import { ValidationError } from '../validation/problems.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** At most this many buckets per time series; more is refused with a 422 naming `interval`. */
export const MAX_BUCKETS = 1_500;
/** The automatic interval aims for at most this many buckets (and at least ~60 for spans of an hour or more). */
const TARGET_MAX_BUCKETS = 300;

/** Intervals chosen automatically: round values a chart axis reads well. */
const NICE_INTERVALS_MS = [
  10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000,
  43_200_000, 86_400_000,
];

/** `30s`, `1m`, `5m`, `1h`, `1d` … → milliseconds; undefined when it does not parse. */
export function parseInterval(text: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : undefined;
}

/**
 * The smallest round interval that gives at most ~300 buckets over the span, and at least a
 * minute for spans from an hour: whole minutes are what the embedded store's rollups serve, so
 * a 1-hour chart (60 buckets) never reads raw rows.
 */
export function chooseInterval(spanMs: number): number {
  const minimum = spanMs >= UNIT_MS.h ? UNIT_MS.m : 0;
  for (const interval of NICE_INTERVALS_MS) {
    if (interval >= minimum && spanMs / interval <= TARGET_MAX_BUCKETS) return interval;
  }
  const days = Math.ceil(spanMs / TARGET_MAX_BUCKETS / UNIT_MS.d);
  return days * UNIT_MS.d;
}

/** `1h` for 3 600 000, `90s` for 90 000: the shortest exact spelling. */
export function formatInterval(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** Bucket starts (aligned to the epoch) covering the range: the first holds `from`, the last `to - 1`. */
export function bucketStarts(range: TimeRange, intervalMs: number): number[] {
  const first = Math.floor(range.from / intervalMs) * intervalMs;
  const starts: number[] = [];
  for (let start = first; start < range.to; start += intervalMs) starts.push(start);
  return starts;
}

export function bucketCount(range: TimeRange, intervalMs: number): number {
  const first = Math.floor(range.from / intervalMs) * intervalMs;
  return Math.ceil((range.to - first) / intervalMs);
}

/** The interval for a request: the given one (validated) or one chosen from the span. */
export function resolveInterval(text: string | undefined, range: TimeRange): number {
  if (text === undefined || text === '') return chooseInterval(range.to - range.from);
  const ms = parseInterval(text);
  if (ms === undefined) {
    throw new ValidationError([
      { field: 'interval', message: 'must be a number followed by s, m, h or d, such as 30s, 5m, 1h or 1d' },
    ]);
  }
  const count = bucketCount(range, ms);
  if (count > MAX_BUCKETS) {
    throw new ValidationError([
      {
        field: 'interval',
        message: `gives ${count} buckets over this range; at most ${MAX_BUCKETS} are allowed (choose a longer interval)`,
      },
    ]);
  }
  return ms;
}
