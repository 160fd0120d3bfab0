import { type Kysely, sql } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { idColumn } from './id-column.js';
import { textType } from './text-type.js';

/**
 * Rule kinds judged over a window of log time (latency, absence; later slo): one table for
 * every such kind, with the columns all of them share and the kind's own fields as a JSON
 * definition (validated by the kind's schema on the way in and out); names are unique across
 * them (app and message rules have none). The state of each series (a rule, or a rule and one
 * message key) between evaluations, and the incidents (one per firing).
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  const id = idColumn(driver);
  const NAME = textType(driver, 'varchar(191)');
  const KIND = textType(driver, 'varchar(32)');
  const DOUBLE = driver === 'sqlite' ? 'real' : 'double precision';

  await db.schema
    .createTable('window_rules')
    .addColumn('id', id.type, id.build)
    .addColumn('kind', KIND, (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('app_name', NAME, (c) => c.notNull())
    .addColumn('message_key', NAME)
    .addColumn('is_active', 'smallint', (c) => c.notNull())
    .addColumn('alert_channels', textType(driver, 'varchar(255)'), (c) => c.notNull())
    .addColumn('cooldown_minutes', 'integer', (c) => c.notNull())
    .addColumn('notify_resolved', 'smallint', (c) => c.notNull())
    .addColumn('definition', textType(driver, 'text'), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('window_rules_name_uq').on('window_rules').column('name').unique().execute();
  await db.schema.createIndex('window_rules_kind_idx').on('window_rules').columns(['kind', 'app_name']).execute();
  await db
    .insertInto('table_revisions' as never)
    .values({ table_name: 'window_rules', revision: 0 } as never)
    .execute();

  await db.schema
    .createTable('rule_series')
    .addColumn('rule_key', textType(driver, 'varchar(64)'), (c) => c.notNull())
    // '' for a rule's one series; the message key for a per_key series.
    .addColumn('series_key', NAME, (c) => c.notNull())
    .addColumn('state', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('pending_since', 'bigint')
    .addColumn('last_value', DOUBLE)
    .addColumn('last_samples', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_evaluated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_notified_at', 'bigint')
    .addColumn('incident_id', 'integer')
    .addPrimaryKeyConstraint('rule_series_pk', ['rule_key', 'series_key'])
    .execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', id.type, id.build)
    .addColumn('rule_type', KIND, (c) => c.notNull())
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('app_name', NAME, (c) => c.notNull())
    .addColumn('message_key', NAME)
    .addColumn('state', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('value', DOUBLE)
    .addColumn('peak_value', DOUBLE)
    .addColumn('threshold', DOUBLE)
    .addColumn('baseline_value', DOUBLE)
    .addColumn('unit', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('samples', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull().defaultTo(sql`0`))
    .execute();
  await db.schema.createIndex('incidents_state_idx').on('incidents').columns(['state', 'started_at']).execute();
  await db.schema.createIndex('incidents_rule_idx').on('incidents').columns(['rule_type', 'rule_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('incidents').ifExists().execute();
  await db.schema.dropTable('rule_series').ifExists().execute();
  await db
    .deleteFrom('table_revisions' as never)
    .where('table_name' as never, '=', 'window_rules' as never)
    .execute();
  await db.schema.dropTable('window_rules').ifExists().execute();
}
