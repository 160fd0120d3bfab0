import { type Kysely, sql } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { textType } from './text-type.js';

/**
 * `alert_log.channel` from varchar(32) to varchar(255): a row no target took stores the rule's
 * channel types comma-joined, and with Slack, Teams, Discord, Google Chat and PagerDuty that
 * list no longer fits in 32. No index includes the column. SQLite does not enforce lengths:
 * nothing to change there.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  await setWidth(db, driver, 255);
}

/** Back to 32, cutting longer values first so that narrowing cannot fail. */
export async function down(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  if (driver === 'sqlite') return;
  await sql`update alert_log set channel = substr(channel, 1, 32) where char_length(channel) > 32`.execute(db);
  await setWidth(db, driver, 32);
}

async function setWidth(db: Kysely<unknown>, driver: DbDriver, width: number): Promise<void> {
  const type = `varchar(${width})`;
  if (driver === 'mysql') {
    await db.schema
      .alterTable('alert_log')
      .modifyColumn('channel', textType(driver, type), (c) => c.notNull())
      .execute();
  } else if (driver === 'postgres') {
    await db.schema
      .alterTable('alert_log')
      .alterColumn('channel', (c) => c.setDataType(sql.raw(type)))
      .execute();
  }
}
