import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import type { Database, SelfAlertTable } from '../db/schema.js';

/*
 * The one module that holds the SQL of the `self_alerts` table: whether each self-monitoring
 * condition is firing. Changes are conditional updates (`ok` → `firing`, `firing` → `ok`), so of
 * two processes evaluating at once exactly one makes each change, and queues its notification
 * in the same transaction.
 */

export type SelfAlertRow = Selectable<SelfAlertTable>;
export type SelfCondition = SelfAlertTable['condition'];
export const SELF_CONDITIONS: readonly SelfCondition[] = ['scans_failing', 'channel_failing', 'scan_lease_stale'];

/** The condition's row (created `ok` when missing); its id is the notification's rule id. */
export async function selfAlertRow(
  db: Kysely<Database>,
  key: { condition_key: string; condition: SelfCondition; subject: string },
  now: number,
): Promise<SelfAlertRow> {
  const read = () => db.selectFrom('self_alerts').selectAll().where('condition_key', '=', key.condition_key);
  const found = await read().executeTakeFirst();
  if (found) return found;
  try {
    await db
      .insertInto('self_alerts')
      .values({ ...key, state: 'ok', since: null, detail: null, alerted_at: null, resolved_at: null, updated_at: now })
      .execute();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error; // another process created it meanwhile
  }
  return read().executeTakeFirstOrThrow();
}

/** `ok` → `firing`; false when it was firing already (another process told it). */
export async function markFiring(
  db: Kysely<Database>,
  conditionKey: string,
  facts: { since: number; detail: string | null; subject: string },
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('self_alerts')
    .set({
      state: 'firing',
      since: facts.since,
      detail: facts.detail,
      subject: facts.subject,
      alerted_at: now,
      resolved_at: null,
      updated_at: now,
    })
    .where('condition_key', '=', conditionKey)
    .where('state', '=', 'ok')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** `firing` → `ok`; false when it was resolved already. */
export async function markResolved(db: Kysely<Database>, conditionKey: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('self_alerts')
    .set({ state: 'ok', resolved_at: now, updated_at: now })
    .where('condition_key', '=', conditionKey)
    .where('state', '=', 'firing')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function firingSelfAlerts(db: Kysely<Database>): Promise<SelfAlertRow[]> {
  return db.selectFrom('self_alerts').selectAll().where('state', '=', 'firing').orderBy('id').execute();
}
