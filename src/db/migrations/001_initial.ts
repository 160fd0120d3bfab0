import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { idColumn } from './id-column.js';
import { textType } from './text-type.js';

export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  const id = idColumn(driver);
  const NAME = textType(driver, 'varchar(191)');
  for (const table of ['app_rules', 'message_rules'] as const) {
    let builder = db.schema
      .createTable(table)
      .addColumn('id', id.type, id.build)
      .addColumn('app_name', NAME, (c) => c.notNull());
    if (table === 'message_rules') builder = builder.addColumn('message_key', NAME, (c) => c.notNull());
    await builder
      .addColumn('max_duration', 'double precision', (c) => c.notNull())
      .addColumn('is_active', 'smallint', (c) => c.notNull().defaultTo(1))
      .addColumn('alert_channels', textType(driver, 'varchar(255)'), (c) => c.notNull())
      .addColumn('cooldown_minutes', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  }
  await db.schema.createIndex('app_rules_app_name_uq').on('app_rules').column('app_name').unique().execute();
  await db.schema
    .createIndex('message_rules_app_key_uq')
    .on('message_rules')
    .columns(['app_name', 'message_key'])
    .unique()
    .execute();

  await db.schema
    .createTable('alert_targets')
    .addColumn('id', id.type, id.build)
    .addColumn('name', NAME, (c) => c.notNull())
    .addColumn('type', textType(driver, 'varchar(32)'), (c) => c.notNull())
    .addColumn('external_id', textType(driver, 'varchar(2048)'), (c) => c.notNull())
    .addColumn('is_active', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_targets_name_uq').on('alert_targets').column('name').unique().execute();
  await db.schema.createIndex('alert_targets_type_idx').on('alert_targets').column('type').execute();

  await db.schema
    .createTable('violations')
    .addColumn('id', id.type, id.build)
    .addColumn('dedupe_key', textType(driver, 'char(64)'), (c) => c.notNull())
    .addColumn('source_id', textType(driver, 'varchar(1024)'), (c) => c.notNull())
    .addColumn('rule_type', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('app_name', NAME, (c) => c.notNull())
    .addColumn('message_key', NAME)
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    .addColumn('threshold_ms', 'double precision', (c) => c.notNull())
    .addColumn('log_time', 'bigint', (c) => c.notNull())
    .addColumn('correlation_id', NAME)
    .addColumn('level', textType(driver, 'varchar(32)'))
    .addColumn('message', textType(driver, 'varchar(1024)'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('violations_dedupe_uq').on('violations').column('dedupe_key').unique().execute();
  await db.schema.createIndex('violations_log_time_idx').on('violations').column('log_time').execute();
  await db.schema.createIndex('violations_app_time_idx').on('violations').columns(['app_name', 'log_time']).execute();
  await db.schema
    .createIndex('violations_key_time_idx')
    .on('violations')
    .columns(['message_key', 'log_time'])
    .execute();
  await db.schema.createIndex('violations_rule_idx').on('violations').columns(['rule_type', 'rule_id']).execute();

  await db.schema
    .createTable('alert_log')
    .addColumn('id', id.type, id.build)
    .addColumn('rule_type', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('app_name', NAME, (c) => c.notNull())
    .addColumn('message_key', NAME)
    .addColumn('channel', textType(driver, 'varchar(32)'), (c) => c.notNull())
    .addColumn('destination', textType(driver, 'varchar(2048)'), (c) => c.notNull())
    .addColumn('target_id', 'integer')
    .addColumn('status', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', textType(driver, 'varchar(2048)'))
    .addColumn('violation_count', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema.createIndex('alert_log_due_idx').on('alert_log').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('alert_log_created_idx').on('alert_log').column('created_at').execute();

  await db.schema
    .createTable('checkpoints')
    .addColumn('source_key', NAME, (c) => c.primaryKey())
    .addColumn('cursor', 'text', (c) => c.notNull())
    .addColumn('watermark', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('seen_logs')
    .addColumn('source_key', NAME, (c) => c.notNull())
    .addColumn('doc_key', textType(driver, 'char(64)'), (c) => c.notNull())
    .addColumn('log_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('seen_logs_pk', ['source_key', 'doc_key'])
    .execute();
  await db.schema.createIndex('seen_logs_time_idx').on('seen_logs').columns(['source_key', 'log_time']).execute();

  await db.schema
    .createTable('cron_logs')
    .addColumn('id', id.type, id.build)
    .addColumn('command', textType(driver, 'varchar(64)'), (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('status', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('logs_scanned', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('violations', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('alerts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', textType(driver, 'varchar(2048)'))
    .addColumn('host', NAME, (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cron_logs_started_idx').on('cron_logs').column('started_at').execute();

  await db.schema
    .createTable('cooldowns')
    .addColumn('rule_key', NAME, (c) => c.primaryKey())
    .addColumn('last_sent_at', 'bigint', (c) => c.notNull())
    .addColumn('until_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('leases')
    .addColumn('name', NAME, (c) => c.primaryKey())
    .addColumn('holder', NAME, (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'leases',
    'cooldowns',
    'cron_logs',
    'seen_logs',
    'checkpoints',
    'alert_log',
    'violations',
    'alert_targets',
    'message_rules',
    'app_rules',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
