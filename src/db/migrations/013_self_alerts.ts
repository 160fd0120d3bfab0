import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { idColumn } from './id-column.js';
import { textType } from './text-type.js';

/**
 * Self-alerts (src/self-monitoring): one row per condition lagwatch watches in itself (scans
 * failing, a channel failing, a stale scan lease), whether it is firing, since when, and when it
 * was told. Kept in the database so that a restart, or a second process, does not tell it again.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  const id = idColumn(driver);
  await db.schema
    .createTable('self_alerts')
    .addColumn('id', id.type, id.build)
    .addColumn('condition_key', textType(driver, 'varchar(191)'), (c) => c.notNull())
    .addColumn('condition', textType(driver, 'varchar(32)'), (c) => c.notNull())
    .addColumn('subject', textType(driver, 'varchar(191)'), (c) => c.notNull())
    .addColumn('state', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('since', 'bigint')
    .addColumn('detail', textType(driver, 'text'))
    .addColumn('alerted_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('self_alerts_key_uq').on('self_alerts').column('condition_key').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('self_alerts').ifExists().execute();
}
