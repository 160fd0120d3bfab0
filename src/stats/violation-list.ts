import type { Kysely, SelectQueryBuilder } from 'kysely';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { Database } from '../db/schema.js';
import type { TimeRange } from '../logs/source.js';
import { roundMs } from './rounding.js';
import { iso } from './time-range.js';

export interface ViolationFilter {
  app_name?: string;
  message_key?: string;
  range: TimeRange;
}

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

type Query = SelectQueryBuilder<Database, 'violations', object>;

/** Recorded violations matching the filter, newest log first, paged, with totals over all pages. */
export async function listViolations(
  db: Kysely<Database>,
  filter: ViolationFilter,
  page: PageRequest,
): Promise<ViolationPage> {
  const base = filtered(db, filter);
  const [rows, totals, rules] = await Promise.all([
    base
      .selectAll()
      .orderBy('log_time', 'desc')
      .orderBy('id', 'desc')
      .limit(page.per_page)
      .offset(offsetOf(page))
      .execute(),
    base
      .select((eb) => [
        eb.fn.countAll().as('count'),
        eb.fn.max('duration_ms').as('worst'),
        eb.fn.avg('duration_ms').as('avg'),
        eb.fn.min('log_time').as('first'),
        eb.fn.max('log_time').as('last'),
      ])
      .executeTakeFirstOrThrow(),
    base
      .select(['rule_type', 'rule_id', 'threshold_ms', (eb) => eb.fn.countAll().as('count')])
      .groupBy(['rule_type', 'rule_id', 'threshold_ms'])
      .execute(),
  ]);
  const count = Number(totals.count);
  return {
    items: rows.map((row) => ({
      id: Number(row.id),
      app_name: row.app_name,
      message_key: row.message_key,
      duration_ms: Number(row.duration_ms),
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
      worst_ms: count > 0 ? roundMs(Number(totals.worst)) : null,
      avg_ms: count > 0 ? roundMs(Number(totals.avg)) : null,
      first_time: count > 0 ? iso(Number(totals.first)) : null,
      last_time: count > 0 ? iso(Number(totals.last)) : null,
      rules: rules
        .map((r) => ({
          rule_type: r.rule_type,
          rule_id: Number(r.rule_id),
          threshold_ms: Number(r.threshold_ms),
          count: Number(r.count),
        }))
        .sort((x, y) => y.count - x.count || x.rule_type.localeCompare(y.rule_type) || x.rule_id - y.rule_id),
    },
  };
}

function filtered(db: Kysely<Database>, filter: ViolationFilter): Query {
  let query: Query = db
    .selectFrom('violations')
    .where('log_time', '>=', filter.range.from)
    .where('log_time', '<', filter.range.to);
  if (filter.app_name !== undefined) query = query.where('app_name', '=', filter.app_name);
  if (filter.message_key !== undefined) query = query.where('message_key', '=', filter.message_key);
  return query;
}
