import type { Page, PageRequest } from '../db/page.js';
import {
  type BreakdownDimension,
  filteredViolationsPerBucket,
  pageOfViolations,
  type ViolationDb,
  type ViolationFilter,
  type ViolationSort,
  violationBreakdown,
} from '../violations/violation-store.js';
import { bucketStarts, formatInterval } from './interval.js';
import { finiteMs, roundMs } from './rounding.js';
import { iso } from './time-range.js';

export interface ViolationItem {
  id: number;
  app_name: string;
  message_key: string | null;
  duration_ms: number;
  /** The deciding rule: its type, id and threshold at the time of the scan. */
  rule_type: 'app' | 'message';
  rule_id: number;
  threshold_ms: number;
  log_time: string;
  correlation_id: string | null;
  level: string | null;
  message: string | null;
  source_id: string;
  recorded_at: string;
}

export interface ViolationTotals {
  count: number;
  worst_ms: number | null;
  avg_ms: number | null;
  first_time: string | null;
  last_time: string | null;
  /** Each deciding rule (and threshold) with how many of these violations it decided, most first. */
  rules: { rule_type: 'app' | 'message'; rule_id: number; threshold_ms: number; count: number }[];
}

export type ViolationPage = Page<ViolationItem> & { totals: ViolationTotals };

/** Recorded violations matching the filter, paged in `sort` order (newest first by default), with totals. */
export async function listViolations(
  state: ViolationDb,
  filter: ViolationFilter,
  page: PageRequest,
  sort: ViolationSort = '-time',
): Promise<ViolationPage> {
  const found = await pageOfViolations(state, filter, page, sort);
  const { count } = found;
  return {
    items: found.rows.map((row) => ({
      id: Number(row.id),
      app_name: row.app_name,
      message_key: row.message_key,
      duration_ms: finiteMs(Number(row.duration_ms)),
      rule_type: row.rule_type,
      rule_id: Number(row.rule_id),
      threshold_ms: Number(row.threshold_ms),
      log_time: iso(Number(row.log_time)),
      correlation_id: row.correlation_id,
      level: row.level,
      message: row.message,
      source_id: row.source_id,
      recorded_at: iso(Number(row.created_at)),
    })),
    total: count,
    page: page.page,
    per_page: page.per_page,
    totals: {
      count,
      worst_ms: count > 0 ? roundMs(finiteMs(found.worstMs)) : null,
      avg_ms: count > 0 ? roundMs(found.avgMs) : null,
      first_time: count > 0 ? iso(found.firstLogTime) : null,
      last_time: count > 0 ? iso(found.lastLogTime) : null,
      rules: [...found.rules].sort(
        (x, y) => y.count - x.count || x.rule_type.localeCompare(y.rule_type) || x.rule_id - y.rule_id,
      ),
    },
  };
}

export interface ViolationHistogram {
  from: string;
  to: string;
  interval: string;
  interval_ms: number;
  /** Every bucket of the range, oldest first, empty ones included. */
  buckets: { time: string; count: number }[];
}

/** Violations matching the filter per bucket of `intervalMs` over the range (buckets aligned to the epoch). */
export async function violationHistogram(
  state: ViolationDb,
  filter: ViolationFilter,
  intervalMs: number,
): Promise<ViolationHistogram> {
  const counts = await filteredViolationsPerBucket(state, filter, intervalMs);
  return {
    from: iso(filter.range.from),
    to: iso(filter.range.to),
    interval: formatInterval(intervalMs),
    interval_ms: intervalMs,
    buckets: bucketStarts(filter.range, intervalMs).map((start) => ({
      time: iso(start),
      count: counts.get(start) ?? 0,
    })),
  };
}

export interface ViolationBreakdown {
  by: BreakdownDimension;
  from: string;
  to: string;
  /** Every violation matching the filter. */
  total: number;
  /** How many groups there are; `items` holds the largest `limit` of them. */
  groups: number;
  items: {
    /** The message key or level; null: none recorded (and for `rule`). */
    value: string | null;
    rule_type?: 'app' | 'message';
    rule_id?: number;
    app_name?: string;
    message_key?: string;
    count: number;
  }[];
  /** Violations in the groups not listed. */
  other: number;
}

/** The top `limit` groups by message key, rule or level of the violations matching the filter, most first. */
export async function violationBreakdownOf(
  state: ViolationDb,
  filter: ViolationFilter,
  by: BreakdownDimension,
  limit: number,
): Promise<ViolationBreakdown> {
  const groups = await violationBreakdown(state, filter, by);
  const items = groups.slice(0, limit);
  const total = groups.reduce((sum, g) => sum + g.count, 0);
  return {
    by,
    from: iso(filter.range.from),
    to: iso(filter.range.to),
    total,
    groups: groups.length,
    items,
    other: total - items.reduce((sum, g) => sum + g.count, 0),
  };
}
