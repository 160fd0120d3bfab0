import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrationsFor } from '../../src/db/migrations/index.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'db/violation-rule-index');

describe.each(drivers)('migration 010 (violations by rule and log time) over $driver', (driver) => {
  let db: Awaited<ReturnType<typeof migratedStateDb>> | undefined;
  beforeAll(async () => {
    if (!driver.skipReason) db = await migratedStateDb(driver);
  });
  afterAll(async () => db?.close());

  it.skipIf(driver.skipReason)('goes down and up again, and rule queries run on either side', async () => {
    const state = db!.state;
    const migrator = new Migrator({
      db: state.db,
      provider: { getMigrations: async () => migrationsFor(state.driver) },
      migrationTableName: 'lagwatch_migrations',
      migrationLockTableName: 'lagwatch_migrations_lock',
      allowUnorderedMigrations: true,
    });
    const query = () =>
      state.db
        .selectFrom('violations')
        .select('id')
        .where('rule_type', '=', 'message')
        .where('rule_id', '=', 1)
        .where('log_time', '>=', 0)
        .execute();
    await expect(query()).resolves.toEqual([]);
    // Down to the migration before 010: every later one (newest first) goes down first.
    const down = await migrator.migrateTo('008_judged_rules');
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName)).toEqual([
      '014_alert_log_channel_width',
      '013_self_alerts',
      '012_recorded_candidates',
      '011_window_rules',
      '010_violation_rule_time',
    ]);
    await expect(query()).resolves.toEqual([]);
    expect(await migrateToLatest(state)).toContain('010_violation_rule_time');
  });
});
