import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateDb } from '../../src/db/connection.js';
import { migrateToLatest, migrationState } from '../../src/db/migrate.js';
import { migrationsFor } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/schema.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'migrations');

// Every table the code queries (src/db/schema.ts), so a migration that forgets one fails here.
const TABLES: (keyof Database)[] = [
  'app_rules',
  'message_rules',
  'alert_targets',
  'violations',
  'alert_log',
  'checkpoints',
  'table_revisions',
  'cron_logs',
  'cooldowns',
  'leases',
  'event_log',
  'recorded_candidates',
];

describe.each(drivers)('state database migrations on $driver', (driver) => {
  if (driver.skipReason) {
    it.skip(`skipped: ${driver.skipReason}`, () => {});
    return;
  }

  let state: StateDb;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ state, close } = await migratedStateDb(driver));
  });
  afterAll(async () => close());

  it('applies every registered migration, in order', async () => {
    const migrations = await migrationState(state);
    expect(migrations.applied).toEqual(Object.keys(migrationsFor(driver.driver)));
    expect(migrations.pending).toEqual([]);
  });

  it('migrating again applies nothing and reports no pending migration', async () => {
    expect(await migrateToLatest(state)).toEqual([]);
    const migrations = await migrationState(state);
    expect(migrations.pending).toEqual([]);
    expect(migrations.applied).toContain('001_initial');
  });

  it('leaves every table of the schema in place', async () => {
    for (const table of TABLES) {
      await expect(state.db.selectFrom(table).selectAll().limit(1).execute(), table).resolves.toBeInstanceOf(Array);
    }
  });
});
