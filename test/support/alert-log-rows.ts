import type { Insertable, Kysely } from 'kysely';
import type { AlertLogTable, Database } from '../../src/db/schema.js';

/**
 * Inserts named alert_log rows and answers each name's id. Each row needs its own `created_at`:
 * the id is read back by it, one way for every driver.
 */
export async function insertAlertRows(
  db: Kysely<Database>,
  rows: Record<string, Insertable<AlertLogTable>>,
): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  for (const [name, values] of Object.entries(rows)) {
    await db.insertInto('alert_log').values(values).execute();
    const inserted = await db
      .selectFrom('alert_log')
      .select('id')
      .where('created_at', '=', values.created_at)
      .executeTakeFirstOrThrow();
    ids[name] = Number(inserted.id);
  }
  return ids;
}
