import { type Insertable, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelListValue, insertAlertRows } from '../../src/alerts/alert-log.js';
import { providerOf } from '../../src/alerts/channels/registry.js';
import { channelsOfRow } from '../../src/alerts/preview.js';
import type { StateDb } from '../../src/db/connection.js';
import { migrateToLatest, migratorFor } from '../../src/db/migrate.js';
import type { AlertLogTable } from '../../src/db/schema.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';
import { migrationsAfter } from '../support/migrations.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'db/alert-log-channel-width');

// Every channel type a rule can name once all channels are in: 71 characters comma-joined.
const ALL = ['telegram_chat', 'email', 'webhook', 'slack', 'teams', 'discord', 'google_chat', 'pagerduty'];

function suppressedRow(channel: string, now: number): Insertable<AlertLogTable> {
  return {
    rule_type: 'app',
    rule_id: 1,
    app_name: 'checkout',
    message_key: null,
    channel,
    destination: '-',
    target_id: null,
    status: 'suppressed',
    attempts: 0,
    next_attempt_at: now,
    last_error: `no active target for ${ALL.join(', ')}`,
    violation_count: 3,
    payload: '{}',
    created_at: now,
    updated_at: now,
    sent_at: null,
    scan_id: null,
    progress: null,
    silence_id: null,
  };
}

async function channelWidth(state: StateDb): Promise<number | null> {
  const schema = state.driver === 'mysql' ? sql`table_schema = database()` : sql`table_catalog = current_database()`;
  const { rows } = await sql<{ width: number | string | null }>`
    select character_maximum_length as width from information_schema.columns
    where ${schema} and table_name = 'alert_log' and column_name = 'channel'`.execute(state.db);
  return rows[0]?.width == null ? null : Number(rows[0].width);
}

describe.each(drivers)('alert_log.channel holds every channel type (migration 014) over $driver', (driver) => {
  let db: Awaited<ReturnType<typeof migratedStateDb>> | undefined;
  beforeAll(async () => {
    if (!driver.skipReason) db = await migratedStateDb(driver);
  });
  afterAll(async () => db?.close());

  const readChannels = async (state: StateDb) =>
    (await state.db.selectFrom('alert_log').select('channel').orderBy('id').execute()).map((r) => r.channel);

  it.skipIf(driver.skipReason)('stores the whole list, reads it back, and goes down (cutting) and up', async () => {
    const state = db!.state;
    const value = channelListValue(ALL);
    expect(value).toBe(ALL.join(','));
    expect(value.length).toBeGreaterThan(32);
    await insertAlertRows(state.db, [suppressedRow(value, 1_000)]);
    expect(await readChannels(state)).toEqual([value]);
    // Every registered type in the list comes back (google_chat / pagerduty once their providers are in).
    const registered = ALL.filter((c) => providerOf(c) !== undefined);
    expect(registered).toEqual(
      expect.arrayContaining(['telegram_chat', 'email', 'webhook', 'slack', 'teams', 'discord']),
    );
    expect(channelsOfRow((await readChannels(state))[0]!)).toEqual(registered);
    if (state.driver !== 'sqlite') expect(await channelWidth(state)).toBe(255);

    // Every migration after 013 goes down, newest first; 014 is the last of them.
    const later = migrationsAfter(state.driver, '013_self_alerts');
    expect(later.at(-1)).toBe('014_alert_log_channel_width');
    const down = await migratorFor(state).migrateTo('013_self_alerts');
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName)).toEqual(later);
    if (state.driver === 'sqlite') {
      expect(await readChannels(state)).toEqual([value]);
    } else {
      expect(await channelWidth(state)).toBe(32);
      expect(await readChannels(state)).toEqual([value.slice(0, 32)]);
    }

    expect(await migrateToLatest(state)).toEqual([...later].reverse());
    if (state.driver !== 'sqlite') expect(await channelWidth(state)).toBe(255);
    await insertAlertRows(state.db, [suppressedRow(value, 2_000)]);
    expect((await readChannels(state)).at(-1)).toBe(value);
  });
});

describe('channelListValue', () => {
  it('joins each type once and cuts at a whole name past the column width', () => {
    expect(channelListValue(['email', 'slack', 'email'])).toBe('email,slack');
    const many = Array.from({ length: 40 }, (_, i) => `channel_${String(i).padStart(2, '0')}`);
    const value = channelListValue(many);
    expect(value.length).toBeLessThanOrEqual(255);
    expect(value.split(',')).toEqual(many.slice(0, value.split(',').length));
    expect(value.split(',').length).toBe(Math.floor(256 / 11));
  });
});
