import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { textType } from './text-type.js';

const MANAGED_TABLES = ['app_rules', 'message_rules', 'window_rules', 'alert_targets'] as const;

/**
 * Rules and targets a rules file manages (src/rules/file): `managed_by` holds the file's path,
 * null for those made through the API, the dashboard or the CLI. The API refuses to change a
 * managed one, naming the file.
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  for (const table of MANAGED_TABLES) {
    await db.schema.alterTable(table).addColumn('managed_by', textType(driver, 'varchar(1024)')).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of MANAGED_TABLES) {
    await db.schema.alterTable(table).dropColumn('managed_by').execute();
  }
}
