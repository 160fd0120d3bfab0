import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { textType } from './text-type.js';

/**
 * `seen_logs` (migration 001) was never written: the violations' unique key and the
 * Elasticsearch adapter's own skip set de-duplicate the scan overlap.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('seen_logs').ifExists().execute();
}

export async function down(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  await db.schema
    .createTable('seen_logs')
    .addColumn('source_key', textType(driver, 'varchar(191)'), (c) => c.notNull())
    .addColumn('doc_key', textType(driver, 'char(64)'), (c) => c.notNull())
    .addColumn('log_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('seen_logs_pk', ['source_key', 'doc_key'])
    .execute();
  await db.schema.createIndex('seen_logs_time_idx').on('seen_logs').columns(['source_key', 'log_time']).execute();
}
