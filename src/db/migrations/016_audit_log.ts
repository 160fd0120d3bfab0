import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { idColumn } from './id-column.js';
import { textType } from './text-type.js';

/**
 * The audit log (src/audit/audit-log.ts): one row per change to a rule, target, silence or
 * token, written in the transaction of the change. `entity_id` is the id as text; for rules it
 * carries the kind (`latency:12`), since rule ids are only unique within a kind's table.
 * `before` and `after` are the entity as the API answers it (secrets masked), as JSON.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  const id = idColumn(driver);
  const json = textType(driver, driver === 'mysql' ? 'mediumtext' : 'text');
  await db.schema
    .createTable('audit_log')
    .addColumn('id', id.type, id.build)
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', textType(driver, 'varchar(191)'), (c) => c.notNull())
    .addColumn('action', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('entity', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('entity_id', textType(driver, 'varchar(64)'), (c) => c.notNull())
    .addColumn('before', json)
    .addColumn('after', json)
    .execute();
  // Lists are newest first (id descending) under each filter.
  await db.schema.createIndex('audit_log_entity_idx').on('audit_log').columns(['entity', 'entity_id', 'id']).execute();
  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').ifExists().execute();
}
