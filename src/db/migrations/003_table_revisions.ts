import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { textType } from './text-type.js';

/**
 * A revision counter per rule table, bumped in the same transaction as every write made through
 * lagwatch, so each process can tell in one primary-key read whether its in-memory copy of the
 * table is still current.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  await db.schema
    .createTable('table_revisions')
    .addColumn('table_name', textType(driver, 'varchar(64)'), (c) => c.primaryKey())
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .execute();
  await db
    .insertInto('table_revisions' as never)
    .values([
      { table_name: 'app_rules', revision: 0 },
      { table_name: 'message_rules', revision: 0 },
    ] as never)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('table_revisions').execute();
}
