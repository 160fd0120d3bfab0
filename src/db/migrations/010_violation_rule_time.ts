import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';

/**
 * Violations by rule and log time: a notification's link (rule + window), the count window and
 * the resolved facts all ask for one rule's violations in a range of log time. The index on
 * (rule_type, rule_id) alone is a prefix of this one and goes.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  await db.schema
    .createIndex('violations_rule_time_idx')
    .on('violations')
    .columns(['rule_type', 'rule_id', 'log_time'])
    .execute();
  await dropIndex(db, driver, 'violations_rule_idx');
}

export async function down(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  await db.schema.createIndex('violations_rule_idx').on('violations').columns(['rule_type', 'rule_id']).execute();
  await dropIndex(db, driver, 'violations_rule_time_idx');
}

async function dropIndex(db: Kysely<unknown>, driver: DbDriver, name: string): Promise<void> {
  const drop = db.schema.dropIndex(name);
  await (driver === 'mysql' ? drop.on('violations') : drop).execute();
}
