import { type Kysely, sql } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { textType } from './text-type.js';

/**
 * The candidates each Elasticsearch checkpoint scan has read and recorded inside the overlap the
 * next scan re-reads, so that a new process (a cron-run `log:alert-scan`) leaves them out of its
 * query as a long-running `start` does. Written and pruned in the batch transaction that stores
 * the checkpoint (see src/scan/recorded-candidates.ts); the id is 64-bit so it never runs out.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  const table = db.schema.createTable('recorded_candidates');
  const withId =
    driver === 'postgres'
      ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : driver === 'mysql'
        ? table.addColumn('id', sql.raw('bigint unsigned'), (c) => c.primaryKey().autoIncrement())
        : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await withId
    .addColumn('source_key', textType(driver, 'varchar(191)'), (c) => c.notNull())
    // `<index>/<_id>`: an index name is at most 255 bytes, an `_id` at most 512.
    .addColumn('doc_key', textType(driver, 'varchar(800)'), (c) => c.notNull())
    // The time the scan window counted the log by (its ingest time when configured), epoch ms.
    .addColumn('seen_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('recorded_candidates_time_idx')
    .on('recorded_candidates')
    .columns(['source_key', 'seen_time'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recorded_candidates').execute();
}
