import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoriesFor } from '../../src/app/context.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'audit/rollback');

describe.each(drivers)('a change whose audit row cannot be written is not made, over $driver', (driver) => {
  let db: Awaited<ReturnType<typeof migratedStateDb>> | undefined;
  beforeAll(async () => {
    if (!driver.skipReason) db = await migratedStateDb(driver);
  });
  afterAll(async () => db?.close());

  it.skipIf(driver.skipReason)('rules of every store, targets and silences stay as they were', async () => {
    const state = db!.state;
    const repos = repositoriesFor(state);
    const latencyRules = repos.ruleStores.windowRules('latency');
    const app = await repos.appRules.create({ app_name: 'kept', max_duration: 500, alert_channels: ['email'] }, 'cli');
    const latencyBody = {
      name: 'kept p95',
      app_name: 'kept',
      statistic: 'p95',
      threshold: 800,
      alert_channels: ['email'],
    };
    const latency = await latencyRules.create(latencyBody, 'cli');
    const target = await repos.targets.create({ name: 'kept', type: 'email', external_id: 'a@example.com' }, 'cli');
    const now = Date.now();
    const silence = await repos.silences.create(
      {
        app_name: 'kept',
        message_key: null,
        starts_at: now,
        ends_at: now + 3_600_000,
        comment: null,
        created_by: 'cli',
      },
      'cli',
    );
    const snapshot = async () => ({
      app: await repos.appRules.all(),
      message: await repos.messageRules.all(),
      latency: await latencyRules.all(),
      targets: (await repos.targets.list({}, { page: 1, per_page: 50 })).items,
      silences: (await repos.silences.list({}, { page: 1, per_page: 50 })).items,
    });
    const kept = await snapshot();

    // Every audit insert now fails.
    await sql`drop table audit_log`.execute(state.db);
    const attempts: Array<() => Promise<unknown>> = [
      () => repos.appRules.create({ app_name: 'new', max_duration: 1, alert_channels: ['email'] }, 'cli'),
      () => repos.appRules.update(app.id, { max_duration: 2 }, 'cli'),
      () => repos.appRules.delete(app.id, 'cli'),
      () =>
        repos.messageRules.create(
          { app_name: 'new', message_key: 'k', max_duration: 1, alert_channels: ['email'] },
          'cli',
        ),
      () => latencyRules.create({ ...latencyBody, name: 'new p95' }, 'cli'),
      () => latencyRules.update(latency.id, { threshold: 900 }, 'cli'),
      () => latencyRules.delete(latency.id, 'cli'),
      () => repos.targets.create({ name: 'new', type: 'email', external_id: 'b@example.com' }, 'cli'),
      () => repos.targets.update(target.id, { name: 'renamed' }, 'cli'),
      () => repos.targets.delete(target.id, 'cli'),
      () => repos.silences.create({ ...silence, starts_at: now, ends_at: now + 60_000, created_by: 'cli' }, 'cli'),
      () => repos.silences.expire(silence.id, 'cli'),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toThrow(/audit_log/);
    const after = await snapshot();
    expect({ ...after, silences: after.silences.map(({ active: _, ...s }) => s) }).toEqual({
      ...kept,
      silences: kept.silences.map(({ active: _, ...s }) => s),
    });
  });
});
