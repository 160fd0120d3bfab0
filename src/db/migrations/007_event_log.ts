import { type Kysely, sql } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { textType } from './text-type.js';

/**
 * Live events shared between lagwatch processes when Redis is not configured: every process
 * appends what it publishes, every server polls for rows above the last id it saw (see
 * src/events/event-log.ts). Rows are pruned after minutes; the id is 64-bit so it never runs out.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  const table = db.schema.createTable('event_log');
  const withId =
    driver === 'postgres'
      ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : driver === 'mysql'
        ? table.addColumn('id', sql.raw('bigint unsigned'), (c) => c.primaryKey().autoIncrement())
        : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await withId
    .addColumn('origin', textType(driver, 'varchar(64)'), (c) => c.notNull())
    .addColumn('type', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('data', textType(driver, driver === 'mysql' ? 'mediumtext' : 'text'), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_log_created_idx').on('event_log').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('event_log').execute();
}
