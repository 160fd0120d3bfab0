import { type Kysely, type RawBuilder, type Selectable, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { DbDriver } from '../config/config.js';
import { offsetOf, type PageRequest } from '../db/page.js';
import type { Database, ViolationTable } from '../db/schema.js';
import { MAX_DURATION_MS } from '../logs/fields.js';
import type { TimeRange } from '../logs/source.js';
import type { RuleKind } from '../rules/types.js';
import type { RecordedViolation } from './violation-row.js';

/*
 * The one module that holds the SQL of the `violations` table: the scanner records through it,
 * the alert queue counts through it, the dashboard and monitor figures read through it.
 * Each function takes the database or the batch transaction it runs in.
 */

// Rows per statement: far below every driver's placeholder limit (MySQL 65,535 / 14 columns).
const CHUNK = 500;

/** The dedupe keys among `keys` that are already recorded. */
async function recordedKeys(db: Kysely<Database>, keys: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    if (chunk.length === 0) continue;
    const rows = await db.selectFrom('violations').select('dedupe_key').where('dedupe_key', 'in', chunk).execute();
    for (const row of rows) found.add(row.dedupe_key);
  }
  return found;
}

/** The rows not recorded yet, each dedupe key once (a dry run reports these; a scan records them). */
export async function unrecordedViolations(
  db: Kysely<Database>,
  rows: readonly RecordedViolation[],
): Promise<RecordedViolation[]> {
  const unique = uniqueByKey(rows);
  const recorded = await recordedKeys(
    db,
    unique.map((r) => r.dedupe_key),
  );
  return unique.filter((r) => !recorded.has(r.dedupe_key));
}

/**
 * Records violations once each (by source, log and rule) and returns only those that were new.
 * Runs inside the batch transaction, under the scan lease, so read-then-insert cannot race.
 */
export async function recordNewViolations(
  trx: Kysely<Database>,
  rows: readonly RecordedViolation[],
): Promise<RecordedViolation[]> {
  const fresh = await unrecordedViolations(trx, rows);
  for (let i = 0; i < fresh.length; i += CHUNK) {
    await trx
      .insertInto('violations')
      .values(fresh.slice(i, i + CHUNK))
      .execute();
  }
  return fresh;
}

function uniqueByKey(rows: readonly RecordedViolation[]): RecordedViolation[] {
  const byKey = new Map<string, RecordedViolation>();
  for (const row of rows) if (!byKey.has(row.dedupe_key)) byKey.set(row.dedupe_key, row);
  return [...byKey.values()];
}

/**
 * The violations one notification of a rule reports: every violation of the rule recorded
 * after the one its previous notification (let through) reported last, by violation id. Ids
 * grow with recording (one scanner at a time holds the lease), so the set is exact however
 * the log times of two notifications interleave.
 */
export interface ViolationSetFigures {
  count: number;
  /** The smallest and largest violation id of the set (the dashboard link's `ids`). */
  firstId: number;
  lastId: number;
  /** Log time of the oldest and the newest violation of the set, epoch ms. */
  firstAt: number;
  lastAt: number;
  worstMs: number;
  /** Nearest-rank 95th percentile over every duration of the set. */
  p95Ms: number;
  /** The worst few, those with a correlation id first (they link to a trace). */
  samples: Selectable<ViolationTable>[];
}

/**
 * The figures of a rule's violations with ids above `afterId` (an alert's set), or with log
 * times from `fromLogTime` on (a resolved notification's episode); undefined when there is none.
 */
export async function ruleViolationSet(
  db: Kysely<Database>,
  ruleType: RuleKind,
  ruleId: number,
  after: { afterId: number } | { fromLogTime: number },
  sampleCount: number,
): Promise<ViolationSetFigures | undefined> {
  const ofRule = db.selectFrom('violations').where('rule_type', '=', ruleType).where('rule_id', '=', ruleId);
  const ofSet =
    'afterId' in after ? ofRule.where('id', '>', after.afterId) : ofRule.where('log_time', '>=', after.fromLogTime);
  const totals = await ofSet
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.min<number>('id').as('first_id'),
      eb.fn.max<number>('id').as('last_id'),
      eb.fn.min<number>('log_time').as('first_at'),
      eb.fn.max<number>('log_time').as('last_at'),
      eb.fn.max<number>('duration_ms').as('worst'),
    ])
    .executeTakeFirstOrThrow();
  const count = Number(totals.n);
  if (count === 0) return undefined;
  const rank = Math.min(Math.max(Math.ceil(0.95 * count), 1), count);
  const p95 = await ofSet
    .select('duration_ms')
    .orderBy('duration_ms')
    .orderBy('id')
    .limit(1)
    .offset(rank - 1)
    .executeTakeFirst();
  const traced =
    sampleCount <= 0
      ? []
      : await ofSet
          .selectAll()
          .where('correlation_id', 'is not', null)
          .orderBy('duration_ms', 'desc')
          .orderBy('id')
          .limit(sampleCount)
          .execute();
  const untraced =
    traced.length < sampleCount
      ? await ofSet
          .selectAll()
          .where('correlation_id', 'is', null)
          .orderBy('duration_ms', 'desc')
          .orderBy('id')
          .limit(sampleCount - traced.length)
          .execute()
      : [];
  return {
    count,
    firstId: Number(totals.first_id),
    lastId: Number(totals.last_id),
    firstAt: Number(totals.first_at),
    lastAt: Number(totals.last_at),
    worstMs: Number(totals.worst),
    p95Ms: Number(p95?.duration_ms ?? totals.worst),
    samples: [...traced, ...untraced],
  };
}

/** The id of the rule's newest violation recorded at or before `at` (epoch ms); 0 when none. */
export async function lastViolationIdRecordedBy(
  db: Kysely<Database>,
  ruleType: RuleKind,
  ruleId: number,
  at: number,
): Promise<number> {
  const row = await db
    .selectFrom('violations')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .where('rule_type', '=', ruleType)
    .where('rule_id', '=', ruleId)
    .where('created_at', '<=', at)
    .executeTakeFirst();
  return row?.id == null ? 0 : Number(row.id);
}

export interface WindowCount {
  /** Violations of the rule with log times in the window. */
  count: number;
  /** Log time of the window's oldest violation; undefined when it holds none. */
  firstAt: number | undefined;
}

/** Violations of a rule with log times in the `minutes` ending at `end` (a count window). */
export async function countInLogWindow(
  db: Kysely<Database>,
  ruleType: RuleKind,
  ruleId: number,
  end: number,
  minutes: number,
): Promise<WindowCount> {
  const row = await db
    .selectFrom('violations')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number>('log_time').as('first')])
    .where('rule_type', '=', ruleType)
    .where('rule_id', '=', ruleId)
    .where('log_time', '>', end - minutes * 60_000)
    .where('log_time', '<=', end)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), firstAt: row.first === null ? undefined : Number(row.first) };
}

/** Recorded violations whose log time lies in the range, by rule type. */
export async function violationsByType(
  db: Kysely<Database>,
  range: TimeRange,
  app?: string,
): Promise<{ app: number; message: number }> {
  let query = db
    .selectFrom('violations')
    .select(['rule_type', (eb) => eb.fn.countAll().as('n')])
    .where('log_time', '>=', range.from)
    .where('log_time', '<', range.to);
  if (app !== undefined) query = query.where('app_name', '=', app);
  const rows = await query.groupBy('rule_type').execute();
  const counts = { app: 0, message: 0 };
  for (const row of rows) {
    if (row.rule_type === 'app' || row.rule_type === 'message') counts[row.rule_type] = Number(row.n);
  }
  return counts;
}

/** Recorded violations per bucket start (aligned to the epoch like the log source's buckets). */
export async function violationsPerBucket(
  db: Kysely<Database>,
  range: TimeRange,
  intervalMs: number,
  app?: string,
): Promise<Map<number, number>> {
  // Inlined as a literal: PostgreSQL does not match two bound parameters between SELECT and GROUP BY.
  const bucket = sql<number>`log_time - (log_time % ${sql.lit(Math.trunc(intervalMs))})`;
  let query = db
    .selectFrom('violations')
    .select([bucket.as('bucket'), (eb) => eb.fn.countAll().as('n')])
    .where('log_time', '>=', range.from)
    .where('log_time', '<', range.to);
  if (app !== undefined) query = query.where('app_name', '=', app);
  const rows = await query.groupBy(bucket).execute();
  return new Map(rows.map((row) => [Number(row.bucket), Number(row.n)]));
}

/** Recorded violations per app in the range. */
export async function violationsPerApp(db: Kysely<Database>, range: TimeRange): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('violations')
    .select(['app_name', (eb) => eb.fn.countAll().as('n')])
    .where('log_time', '>=', range.from)
    .where('log_time', '<', range.to)
    .groupBy('app_name')
    .execute();
  return new Map(rows.map((row) => [row.app_name, Number(row.n)]));
}

/** How `message_key` matches: the whole key, its start, or any part (case-sensitive, as names compare everywhere). */
export type KeyMatch = 'exact' | 'prefix' | 'contains';

/** The order of a violation list: by log time or by duration, `-` first for descending. */
export type ViolationSort = 'time' | '-time' | 'duration' | '-duration';

export interface ViolationFilter {
  app_name?: string;
  message_key?: string;
  /** Default `exact`. */
  key_match?: KeyMatch;
  /** Only the violations one rule decided (both or neither). */
  rule_type?: RuleKind;
  rule_id?: number;
  /** Only violations with ids from `first` to `last` (one notification's set, with its rule). */
  ids?: { first: number; last: number };
  range: TimeRange;
}

/** One page of recorded violations in the requested order, with figures over every page. */
export interface RecordedPage {
  rows: Selectable<ViolationTable>[];
  count: number;
  worstMs: number;
  avgMs: number;
  firstLogTime: number;
  lastLogTime: number;
  /** Each deciding rule (and threshold) with how many of the filtered violations it decided. */
  rules: { rule_type: RuleKind; rule_id: number; threshold_ms: number; count: number }[];
}

type FilteredQuery = SelectQueryBuilder<Database, 'violations', object>;

/**
 * Recorded violations matching the filter, paged in `sort` order (default newest log first; ties
 * by id, so pages never overlap), with totals over all pages.
 */
export async function pageOfViolations(
  state: ViolationDb,
  filter: ViolationFilter,
  page: PageRequest,
  sort: ViolationSort = '-time',
): Promise<RecordedPage> {
  const base = filtered(state, filter);
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  const column = sort.endsWith('duration') ? 'duration_ms' : 'log_time';
  let ordered = base.selectAll().orderBy(column, direction);
  if (column === 'duration_ms') ordered = ordered.orderBy('log_time', direction);
  const [rows, totals, rules] = await Promise.all([
    ordered.orderBy('id', direction).limit(page.per_page).offset(offsetOf(page)).execute(),
    base
      .select((eb) => [
        eb.fn.countAll().as('count'),
        eb.fn.max('duration_ms').as('worst'),
        // Capped at the largest valid duration: rows stored before durations were validated
        // (1e308) would overflow PostgreSQL's double sum; valid rows are unchanged by the cap.
        eb.fn
          .avg(sql<number>`CASE WHEN duration_ms > ${MAX_DURATION_MS} THEN ${MAX_DURATION_MS} ELSE duration_ms END`)
          .as('avg'),
        eb.fn.min('log_time').as('first'),
        eb.fn.max('log_time').as('last'),
      ])
      .executeTakeFirstOrThrow(),
    base
      .select(['rule_type', 'rule_id', 'threshold_ms', (eb) => eb.fn.countAll().as('count')])
      .groupBy(['rule_type', 'rule_id', 'threshold_ms'])
      .execute(),
  ]);
  return {
    rows,
    count: Number(totals.count),
    worstMs: Number(totals.worst),
    avgMs: Number(totals.avg),
    firstLogTime: Number(totals.first),
    lastLogTime: Number(totals.last),
    rules: rules.map((r) => ({
      rule_type: r.rule_type,
      rule_id: Number(r.rule_id),
      threshold_ms: Number(r.threshold_ms),
      count: Number(r.count),
    })),
  };
}

/** The database of the violations with its driver: key searches are spelled per driver. */
export interface ViolationDb {
  db: Kysely<Database>;
  driver: DbDriver;
}

/** Recorded violations per bucket start over the range (aligned to the epoch), for a histogram. */
export async function filteredViolationsPerBucket(
  state: ViolationDb,
  filter: ViolationFilter,
  intervalMs: number,
): Promise<Map<number, number>> {
  // Inlined as a literal: PostgreSQL does not match two bound parameters between SELECT and GROUP BY.
  const bucket = sql<number>`log_time - (log_time % ${sql.lit(Math.trunc(intervalMs))})`;
  const rows = await filtered(state, filter)
    .select([bucket.as('bucket'), (eb) => eb.fn.countAll().as('n')])
    .groupBy(bucket)
    .execute();
  return new Map(rows.map((row) => [Number(row.bucket), Number(row.n)]));
}

function filtered({ db, driver }: ViolationDb, filter: ViolationFilter): FilteredQuery {
  let query: FilteredQuery = db
    .selectFrom('violations')
    .where('log_time', '>=', filter.range.from)
    .where('log_time', '<', filter.range.to);
  if (filter.app_name !== undefined) query = query.where('app_name', '=', filter.app_name);
  if (filter.message_key !== undefined) {
    query = query.where(keyCondition(driver, filter.message_key, filter.key_match ?? 'exact'));
  }
  if (filter.rule_type !== undefined) query = query.where('rule_type', '=', filter.rule_type);
  if (filter.rule_id !== undefined) query = query.where('rule_id', '=', filter.rule_id);
  if (filter.ids !== undefined) {
    query = query.where('id', '>=', filter.ids.first).where('id', '<=', filter.ids.last);
  }
  return query;
}

export interface TraceViolation {
  source_id: string;
  rule_type: RuleKind;
  rule_id: number;
  threshold_ms: number;
  id: number;
}

/**
 * The recorded violations of a correlation id whose log times lie in [from, to] (a trace's
 * first and last log): the log-time index finds them, the id narrows them down.
 */
export async function violationsOfTrace(
  db: Kysely<Database>,
  correlationId: string,
  from: number,
  to: number,
): Promise<TraceViolation[]> {
  const rows = await db
    .selectFrom('violations')
    .select(['id', 'source_id', 'rule_type', 'rule_id', 'threshold_ms'])
    .where('log_time', '>=', from)
    .where('log_time', '<=', to)
    .where('correlation_id', '=', correlationId.slice(0, 191))
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    source_id: r.source_id,
    rule_type: r.rule_type,
    rule_id: Number(r.rule_id),
    threshold_ms: Number(r.threshold_ms),
  }));
}

/**
 * `message_key` equal to, starting with, or containing the text, case-sensitive on every driver
 * (the column compares as bytes on MySQL, as on SQLite and PostgreSQL). The text is a literal:
 * its wildcards are escaped. SQLite's LIKE ignores ASCII case, so SQLite uses GLOB (wildcards
 * `*`, `?`, `[` escaped as one-character classes); MySQL and PostgreSQL use LIKE with `!` as the
 * escape character (a backslash would itself need escaping in MySQL's string literals).
 */
export function keyCondition(driver: DbDriver, text: string, match: KeyMatch): RawBuilder<SqlBool> {
  if (match === 'exact') return sql<SqlBool>`message_key = ${text}`;
  const before = match === 'contains';
  if (driver === 'sqlite') {
    const literal = text.replace(/[*?[]/g, (ch) => `[${ch}]`);
    return sql<SqlBool>`message_key GLOB ${`${before ? '*' : ''}${literal}*`}`;
  }
  const literal = text.replace(/[!%_]/g, (ch) => `!${ch}`);
  return sql<SqlBool>`message_key LIKE ${`${before ? '%' : ''}${literal}%`} ESCAPE '!'`;
}
