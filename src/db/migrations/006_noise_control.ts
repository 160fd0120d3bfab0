import { type Kysely, sql } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { idColumn } from './id-column.js';
import { textType } from './text-type.js';

/**
 * Noise control (issue 12): silences; count windows and resolved notifications on both rule
 * kinds; the notification kind and the silence that held a row back on the alert log; the
 * alert episodes that resolved notifications close; the Telegram getUpdates offset.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  const id = idColumn(driver);
  const NAME = textType(driver, 'varchar(191)');

  await db.schema
    .createTable('silences')
    .addColumn('id', id.type, id.build)
    .addColumn('app_name', NAME, (c) => c.notNull())
    .addColumn('message_key', NAME)
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('comment', textType(driver, 'varchar(1024)'))
    .addColumn('created_by', NAME, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // What created it, when that must happen once (a Telegram update replayed after a crash).
    .addColumn('origin_key', NAME)
    .execute();
  await db.schema.createIndex('silences_app_idx').on('silences').columns(['app_name', 'ends_at']).execute();
  await db.schema.createIndex('silences_origin_uq').on('silences').column('origin_key').unique().execute();

  for (const table of ['app_rules', 'message_rules']) {
    await db.schema
      .alterTable(table)
      .addColumn('min_count', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema
      .alterTable(table)
      .addColumn('window_minutes', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable(table)
      .addColumn('notify_resolved', 'smallint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable(table)
      .addColumn('resolve_after_minutes', 'integer', (c) => c.notNull().defaultTo(10))
      .execute();
  }

  await db.schema
    .alterTable('alert_log')
    .addColumn('kind', textType(driver, 'varchar(16)'), (c) => c.notNull().defaultTo(sql`'alert'`))
    .execute();
  await db.schema.alterTable('alert_log').addColumn('silence_id', 'integer').execute();

  await db.schema
    .createTable('alert_episodes')
    .addColumn('rule_key', NAME, (c) => c.primaryKey())
    .addColumn('rule_type', textType(driver, 'varchar(16)'), (c) => c.notNull())
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addColumn('alerted_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('telegram_offsets')
    .addColumn('bot_id', textType(driver, 'varchar(64)'), (c) => c.primaryKey())
    .addColumn('next_offset', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_ok_at', 'bigint')
    .addColumn('last_error', textType(driver, 'varchar(1024)'))
    .addColumn('last_error_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('telegram_offsets').ifExists().execute();
  await db.schema.dropTable('alert_episodes').ifExists().execute();
  await db.schema.alterTable('alert_log').dropColumn('silence_id').execute();
  await db.schema.alterTable('alert_log').dropColumn('kind').execute();
  for (const table of ['app_rules', 'message_rules']) {
    for (const column of ['resolve_after_minutes', 'notify_resolved', 'window_minutes', 'min_count']) {
      await db.schema.alterTable(table).dropColumn(column).execute();
    }
  }
  await db.schema.dropTable('silences').ifExists().execute();
}
