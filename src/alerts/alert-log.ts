import type { ExpressionBuilder, Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { offsetOf, type Page, type PageRequest } from '../db/page.js';
import type { AlertLogTable, Database } from '../db/schema.js';
import type { ChannelType } from '../rules/types.js';

/*
 * The one module that holds the SQL of the `alert_log` table (the outbox): the alert queue
 * writes it inside the batch transaction, the outbox claims and settles its rows, `GET /alerts`,
 * the server status, the metrics and the Telegram Mute button read it. Each function takes the database or transaction.
 */

export type AlertLogRow = Selectable<AlertLogTable>;
export type AlertStatus = AlertLogTable['status'];
export type AlertKind = AlertLogRow['kind'];

/** The width of `alert_log.channel` (varchar(255) since migration 014). */
export const ALERT_LOG_CHANNEL_WIDTH = 255;

/**
 * The `channel` of a row no target took: the rule's channel types, comma-joined, each once. Cut
 * at a whole name if it would exceed the column, so that a reader never sees half a name.
 */
export function channelListValue(channels: readonly string[]): string {
  let value = '';
  for (const channel of new Set(channels)) {
    const next = value === '' ? channel : `${value},${channel}`;
    if (next.length > ALERT_LOG_CHANNEL_WIDTH) break;
    value = next;
  }
  return value;
}

export async function insertAlertRows(db: Kysely<Database>, rows: Insertable<AlertLogTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('alert_log').values(rows).execute();
}

/**
 * Updates the rows a scan queued for a rule while none of them has been attempted (suppressed,
 * silenced, or pending with no attempt): a later batch of the same scan reports its violations
 * in them, and may change their status (a count window reached). Returns how many rows changed.
 */
export async function updateUnsentScanRows(
  db: Kysely<Database>,
  scan: { scanId: number; ruleType: string; ruleId: number },
  changes: Pick<
    Updateable<AlertLogTable>,
    'payload' | 'violation_count' | 'updated_at' | 'status' | 'last_error' | 'silence_id'
  >,
): Promise<number> {
  const updated = await db
    .updateTable('alert_log')
    .set(changes)
    .where('scan_id', '=', scan.scanId)
    .where('rule_type', '=', scan.ruleType)
    .where('rule_id', '=', scan.ruleId)
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['suppressed', 'silenced']),
        eb.and([eb('status', '=', 'pending'), eb('attempts', '=', 0)]),
      ]),
    )
    .executeTakeFirst();
  return Number(updated.numUpdatedRows);
}

/**
 * The last violation id the rule's previous notification (an alert or a resolved notice let
 * through: pending, sent or failed) reported, the largest among its destinations' rows; `none` when the rule never
 * notified, `unknown` when its rows were queued before notifications named their violations.
 */
export async function lastNotifiedViolationId(
  db: Kysely<Database>,
  ruleType: string,
  ruleId: number,
): Promise<number | 'none' | 'unknown'> {
  const rows = await db
    .selectFrom('alert_log')
    .select(['scan_id', 'payload'])
    .where('rule_type', '=', ruleType)
    .where('rule_id', '=', ruleId)
    .where('kind', 'in', ['alert', 'resolved'])
    .where('status', 'in', ['pending', 'sent', 'failed'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  if (rows.length === 0) return 'none';
  const latest = rows.filter((row) => row.scan_id === rows[0]?.scan_id);
  const ids = latest.flatMap((row) => {
    const last = violationIdsOf(row.payload)?.last;
    return last === undefined ? [] : [last];
  });
  return ids.length === 0 ? 'unknown' : Math.max(...ids);
}

/** The violation ids a stored notification names (`violationIds`), if it names them. */
export function violationIdsOf(payload: string): { first: number; last: number } | undefined {
  try {
    const ids = (JSON.parse(payload) as { violationIds?: { first?: unknown; last?: unknown } } | null)?.violationIds;
    const first = ids?.first;
    const last = ids?.last;
    return Number.isSafeInteger(first) && Number.isSafeInteger(last)
      ? { first: first as number, last: last as number }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a notification was about and where it went: the Telegram Mute button silences it, and
 * only when pressed in the chat the row was sent to.
 */
export async function alertSubject(
  db: Kysely<Database>,
  id: number,
): Promise<
  | Pick<AlertLogRow, 'app_name' | 'message_key' | 'rule_type' | 'channel' | 'destination' | 'status' | 'kind'>
  | undefined
> {
  return db
    .selectFrom('alert_log')
    .select(['app_name', 'message_key', 'rule_type', 'channel', 'destination', 'status', 'kind'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface OutboxBacklog {
  /** Notifications waiting for delivery or a retry. */
  pending: number;
  /** When the oldest of them was queued (epoch ms); undefined when none waits. */
  oldestQueuedAt: number | undefined;
}

export async function outboxBacklog(db: Kysely<Database>): Promise<OutboxBacklog> {
  const row = await db
    .selectFrom('alert_log')
    .select((eb) => [eb.fn.countAll<number>().as('pending'), eb.fn.min<number>('created_at').as('oldest')])
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  const pending = Number(row.pending);
  return { pending, oldestQueuedAt: pending > 0 && row.oldest != null ? Number(row.oldest) : undefined };
}

/** The earliest time a pending row becomes due, if any. */
export async function earliestDueAt(db: Kysely<Database>): Promise<number | undefined> {
  const row = await db
    .selectFrom('alert_log')
    .select((eb) => eb.fn.min<number>('next_attempt_at').as('due'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
}

/** Pending rows with an id above `afterId`, oldest first. */
export async function pendingRowsAfter(db: Kysely<Database>, afterId: number, limit: number): Promise<AlertLogRow[]> {
  return db
    .selectFrom('alert_log')
    .selectAll()
    .where('status', '=', 'pending')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Claims a due pending row by a conditional update (its attempt count and due time as read), so
 * two workers never send it at once; it stays invisible to others until `claimUntil`.
 */
export async function claimRow(
  db: Kysely<Database>,
  row: AlertLogRow,
  now: number,
  claimUntil: number,
  /** Who claims it (host:pid:random), so that a claim of a gone process can be released. */
  holder: string | null = null,
): Promise<boolean> {
  const result = await db
    .updateTable('alert_log')
    .set({ attempts: row.attempts + 1, next_attempt_at: claimUntil, updated_at: now, claimed_by: holder })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', row.attempts)
    .where('next_attempt_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Whose claim a settle or a renewal must still find on the row: the holder and the attempt it claimed. */
export interface ClaimOf {
  holder: string;
  attempts: number;
}

/**
 * Extends a claim while its send goes on, only while the row is still pending and claimed by
 * that holder for that attempt; false when the claim was lost (expired and taken by another).
 */
export async function renewClaim(
  db: Kysely<Database>,
  id: number,
  claim: ClaimOf,
  claimUntil: number,
): Promise<boolean> {
  const result = await db
    .updateTable('alert_log')
    .set({ next_attempt_at: claimUntil })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('claimed_by', '=', claim.holder)
    .where('attempts', '=', claim.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records a row's outcome: sent, failed (given up) or pending again with its next attempt. With
 * `claim`, only while the row still carries that claim (false when another worker took it over).
 */
export async function settleRow(
  db: Kysely<Database>,
  id: number,
  changes: Pick<
    Updateable<AlertLogTable>,
    'status' | 'sent_at' | 'updated_at' | 'last_error' | 'next_attempt_at' | 'progress' | 'destination' | 'claimed_by'
  >,
  claim?: ClaimOf,
): Promise<boolean> {
  let query = db.updateTable('alert_log').set(changes).where('id', '=', id);
  if (claim) {
    query = query
      .where('status', '=', 'pending')
      .where('claimed_by', '=', claim.holder)
      .where('attempts', '=', claim.attempts);
  }
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The holders of the claims on pending rows that have not expired at `now`. */
export async function activeClaimHolders(db: Kysely<Database>, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom('alert_log')
    .select('claimed_by')
    .distinct()
    .where('status', '=', 'pending')
    .where('claimed_by', 'is not', null)
    .where('next_attempt_at', '>', now)
    .execute();
  return rows.flatMap((row) => (row.claimed_by === null ? [] : [row.claimed_by]));
}

/** Makes the unexpired claims of one holder due at `now`, unclaimed; returns how many. */
export async function releaseClaimsOf(db: Kysely<Database>, holder: string, now: number): Promise<number> {
  const result = await db
    .updateTable('alert_log')
    .set({ next_attempt_at: now, claimed_by: null, updated_at: now })
    .where('status', '=', 'pending')
    .where('claimed_by', '=', holder)
    .where('next_attempt_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Makes pending rows due later than `horizon` due at `now`, unclaimed; returns how many. */
export async function reschedulePendingBeyond(db: Kysely<Database>, horizon: number, now: number): Promise<number> {
  const result = await db
    .updateTable('alert_log')
    .set({ next_attempt_at: now, claimed_by: null, updated_at: now })
    .where('status', '=', 'pending')
    .where('next_attempt_at', '>', horizon)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Points the pending rows of one destination at its new address (a Telegram group migrated). */
export async function redirectPendingRows(
  db: Kysely<Database>,
  channel: ChannelType,
  from: string,
  to: string,
): Promise<void> {
  await db
    .updateTable('alert_log')
    .set({ destination: to })
    .where('status', '=', 'pending')
    .where('channel', '=', channel)
    .where('destination', '=', from)
    .execute();
}

export interface AlertLogFilter {
  status?: AlertStatus;
  app_name?: string;
  channel?: ChannelType;
  kind?: AlertKind;
  rule_type?: string;
  rule_id?: number;
  /** Rows queued in [from, to), epoch ms. */
  from?: number;
  to?: number;
}

/** The alert log, newest first, paged. */
export async function pageOfAlerts(
  db: Kysely<Database>,
  filter: AlertLogFilter,
  page: PageRequest,
): Promise<Page<AlertLogRow>> {
  let query = db.selectFrom('alert_log');
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.app_name !== undefined) query = query.where('app_name', '=', filter.app_name);
  const channel = filter.channel;
  // A row written when no target was active names each of the rule's channels: `email,webhook`.
  if (channel !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('channel', '=', channel),
        eb('channel', 'like', `${channel},%`),
        eb('channel', 'like', `%,${channel}`),
        eb('channel', 'like', `%,${channel},%`),
      ]),
    );
  }
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.rule_type !== undefined) query = query.where('rule_type', '=', filter.rule_type);
  if (filter.rule_id !== undefined) query = query.where('rule_id', '=', filter.rule_id);
  if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('created_at', '<', filter.to);
  const [{ total }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = await query
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.per_page)
    .offset(offsetOf(page))
    .execute();
  return { items: rows, total: Number(total), ...page };
}

/** One alert log row by id (the dashboard's preview of what it said). */
export async function alertRow(db: Kysely<Database>, id: number): Promise<AlertLogRow | undefined> {
  return db.selectFrom('alert_log').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A destination whose latest delivery attempts failed (see failingDestinations). */
export interface FailingDestination {
  channel: string;
  destination: string;
  target_id: number | null;
  /** When the first row that failed since the last successful send was queued, epoch ms. */
  since: number;
  /** The newest failed attempt's error (already scrubbed by the outbox). */
  lastError: string | null;
  /** Rows that failed or wait for a retry since the last successful send. */
  rows: number;
}

/**
 * Destinations whose every send since their last successful one failed: rows given up
 * (`failed`) or waiting for a retry after a failed attempt, attempted after the destination's
 * newest `sent` row. Rows that were never attempted (suppressed, silenced) do not count.
 */
export async function failingDestinations(db: Kysely<Database>): Promise<FailingDestination[]> {
  const failedRow = (eb: ExpressionBuilder<Database, 'alert_log'>) =>
    eb.and([
      eb('status', 'in', ['failed', 'pending']),
      eb('attempts', '>', 0),
      eb('last_error', 'is not', null),
      eb('destination', '!=', '-'),
    ]);
  const groups = await db
    .selectFrom('alert_log')
    .select(['channel', 'destination', 'target_id'])
    .where(failedRow)
    .groupBy(['channel', 'destination', 'target_id'])
    .execute();
  const found: FailingDestination[] = [];
  for (const group of groups) {
    const sent = await db
      .selectFrom('alert_log')
      .select((eb) => eb.fn.max<number | string | null>('sent_at').as('at'))
      .where('status', '=', 'sent')
      .where('channel', '=', group.channel)
      .where('destination', '=', group.destination)
      .executeTakeFirst();
    const lastSent = sent?.at == null ? -1 : Number(sent.at);
    const since = (eb: ExpressionBuilder<Database, 'alert_log'>) =>
      eb.and([
        failedRow(eb),
        eb('channel', '=', group.channel),
        eb('destination', '=', group.destination),
        eb('updated_at', '>', lastSent),
      ]);
    const failing = await db
      .selectFrom('alert_log')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('rows'),
        eb.fn.min<number | string>('created_at').as('first'),
      ])
      .where(since)
      .executeTakeFirstOrThrow();
    if (Number(failing.rows) === 0) continue;
    const newest = await db
      .selectFrom('alert_log')
      .select('last_error')
      .where(since)
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    found.push({
      channel: group.channel,
      destination: group.destination,
      target_id: group.target_id === null ? null : Number(group.target_id),
      since: Math.max(Number(failing.first), lastSent),
      lastError: newest?.last_error ?? null,
      rows: Number(failing.rows),
    });
  }
  return found;
}
