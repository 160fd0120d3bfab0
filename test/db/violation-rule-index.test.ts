import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, migratorFor } from '../../src/db/migrate.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';
import { migrationsAfter } from '../support/migrations.js';

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
    const down = await migratorFor(state).migrateTo('008_judged_rules');
    expect(down.error).toBeUndefined();
    const later = migrationsAfter(state.driver, '008_judged_rules');
    expect(later.at(-1)).toBe('010_violation_rule_time');
    expect(down.results?.map((r) => r.migrationName)).toEqual(later);
    await expect(query()).resolves.toEqual([]);
    expect(await migrateToLatest(state)).toContain('010_violation_rule_time');
  });
});
