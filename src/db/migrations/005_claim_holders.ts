import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { textType } from './text-type.js';

/**
 * alert_log.claimed_by: the holder (`host:pid:random`) that claimed a pending row for sending,
 * so that a claim whose process is gone (kill -9) is released at once on the same host instead
 * of after its expiry.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  await db.schema.alterTable('alert_log').addColumn('claimed_by', textType(driver, 'varchar(191)')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alert_log').dropColumn('claimed_by').execute();
}
