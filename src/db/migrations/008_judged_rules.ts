import type { Kysely } from 'kysely';
import type { DbDriver } from '../../config/config.js';
import { textType } from './text-type.js';

/**
 * The rules each log source's checkpoint scans have judged. A rule without a row is new to that
 * source: its first scan also judges the logs from SCAN_INITIAL_LOOKBACK_MINUTES before the rule's
 * creation up to the checkpoint (see src/scan/judged-rules.ts).
 */
export async function up(db: Kysely<unknown>, driver: DbDriver): Promise<void> {
  await db.schema
    .createTable('judged_rules')
    .addColumn('source_key', textType(driver, 'varchar(191)'), (c) => c.notNull())
    .addColumn('rule_key', textType(driver, 'varchar(64)'), (c) => c.notNull())
    .addColumn('judged_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('judged_rules_pk', ['source_key', 'rule_key'])
    .execute();
  // Rules that exist now were judged by the scans so far: only rules created from here on are new.
  const checkpoints = (await db
    .selectFrom('checkpoints' as never)
    .select('source_key' as never)
    .execute()) as {
    source_key: string;
  }[];
  for (const table of ['app_rules', 'message_rules'] as const) {
    const kind = table === 'app_rules' ? 'app' : 'message';
    const rules = (await db
      .selectFrom(table as never)
      .select('id' as never)
      .execute()) as { id: number }[];
    const rows = checkpoints.flatMap((c) =>
      rules.map((r) => ({ source_key: c.source_key, rule_key: `${kind}:${r.id}`, judged_at: Date.now() })),
    );
    for (let i = 0; i < rows.length; i += 500) {
      await db
        .insertInto('judged_rules' as never)
        .values(rows.slice(i, i + 500) as never)
        .execute();
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('judged_rules').execute();
}
