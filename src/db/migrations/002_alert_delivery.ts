import { type Kysely, sql } from 'kysely';
import type { DbDriver } from '../../config/config.js';

/**
 * Delivery bookkeeping on the alert log: the scan that queued a notification (so later batches
 * of the same scan merge into it) and channel progress (parts of a split Telegram message
 * already accepted, so a retry does not send them twice).
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  await db.schema.alterTable('alert_log').addColumn('scan_id', 'integer').execute();
  const progressType = sql.raw(
    driver === 'mysql' ? 'varchar(1024) character set utf8mb4 collate utf8mb4_bin' : 'varchar(1024)',
  );
  await db.schema.alterTable('alert_log').addColumn('progress', progressType).execute();
  await db.schema
    .createIndex('alert_log_rule_idx')
    .on('alert_log')
    .columns(['rule_type', 'rule_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('alert_log_scan_idx')
    .on('alert_log')
    .columns(['scan_id', 'rule_type', 'rule_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alert_log_scan_idx').on('alert_log').execute();
  await db.schema.dropIndex('alert_log_rule_idx').on('alert_log').execute();
  await db.schema.alterTable('alert_log').dropColumn('progress').execute();
  await db.schema.alterTable('alert_log').dropColumn('scan_id').execute();
}
