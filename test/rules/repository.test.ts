import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/alerts/channels/registry.js';
import type { StateDb } from '../../src/db/connection.js';
import { RuleListCache } from '../../src/rules/rule-list-cache.js';
import { RuleRepository } from '../../src/rules/rule-repository.js';
import { TargetRepository } from '../../src/rules/target-repository.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/validation/problems.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'repository');

describe.each(drivers)('repositories on $driver', (driver) => {
  if (driver.skipReason) {
    it.skip(`skipped: ${driver.skipReason}`, () => {});
    return;
  }

  let state: StateDb;
  let close: () => Promise<void>;
  let appRules: RuleRepository<'app'>;
  let messageRules: RuleRepository<'message'>;
  let targets: TargetRepository;

  beforeAll(async () => {
    ({ state, close } = await migratedStateDb(driver));
  });
  afterAll(async () => close());

  beforeEach(async () => {
    for (const table of ['app_rules', 'message_rules', 'alert_targets'] as const) {
      await state.db.deleteFrom(table).execute();
    }
    let clock = Date.parse('2026-01-02T03:04:05.678Z');
    const now = () => clock++;
    appRules = new RuleRepository(state.db, 'app', now);
    messageRules = new RuleRepository(state.db, 'message', now);
    targets = new TargetRepository(state.db, CHANNELS, now);
  });

  it('creates, reads, updates and deletes app rules with millisecond UTC times', async () => {
    const created = await appRules.create(
      {
        app_name: 'core-service',
        max_duration: 1500.5,
        alert_channels: ['telegram_chat', 'email'],
        cooldown_minutes: 10,
      },
      'test',
    );
    expect(created).toMatchObject({
      app_name: 'core-service',
      max_duration: 1500.5,
      is_active: true,
      alert_channels: ['telegram_chat', 'email'],
      cooldown_minutes: 10,
      created_at: '2026-01-02T03:04:05.678Z',
    });
    expect(await appRules.get(created.id)).toEqual(created);

    const updated = await appRules.update(created.id, { is_active: false, max_duration: 900 }, 'test');
    expect(updated.is_active).toBe(false);
    expect(updated.max_duration).toBe(900);
    expect(updated.app_name).toBe('core-service');
    expect(updated.updated_at > updated.created_at).toBe(true);

    await appRules.delete(created.id, 'test');
    await expect(appRules.get(created.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(appRules.delete(created.id, 'test')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps app rules unique per app_name, case-sensitively on every driver', async () => {
    await appRules.create({ app_name: 'core', max_duration: 1, alert_channels: ['webhook'] }, 'test');
    await expect(
      appRules.create({ app_name: 'core', max_duration: 2, alert_channels: ['email'] }, 'test'),
    ).rejects.toBeInstanceOf(ConflictError);
    const other = await appRules.create({ app_name: 'Core', max_duration: 2, alert_channels: ['email'] }, 'test');
    await expect(appRules.update(other.id, { app_name: 'core' }, 'test')).rejects.toBeInstanceOf(ConflictError);
    expect((await appRules.get(other.id)).app_name).toBe('Core');
  });

  it('keeps message rules unique per (app_name, message_key)', async () => {
    const rule = await messageRules.create(
      {
        app_name: 'orders',
        message_key: 'order.create',
        max_duration: 300,
        alert_channels: ['telegram_group'],
      },
      'test',
    );
    expect(rule.message_key).toBe('order.create');
    await messageRules.create(
      {
        app_name: 'orders',
        message_key: 'order.cancel',
        max_duration: 300,
        alert_channels: ['email'],
      },
      'test',
    );
    await messageRules.create(
      {
        app_name: 'billing',
        message_key: 'order.create',
        max_duration: 300,
        alert_channels: ['email'],
      },
      'test',
    );
    await expect(
      messageRules.create(
        {
          app_name: 'orders',
          message_key: 'order.create',
          max_duration: 1,
          alert_channels: ['email'],
        },
        'test',
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await messageRules.all()).length).toBe(3);
  });

  it('pages and filters rules', async () => {
    for (let i = 0; i < 7; i++) {
      await appRules.create(
        {
          app_name: `app-${i}`,
          max_duration: 100 + i,
          alert_channels: ['email'],
          is_active: i % 2 === 0,
        },
        'test',
      );
    }
    const page2 = await appRules.list({}, { page: 2, per_page: 3 });
    expect(page2.total).toBe(7);
    expect(page2.items.map((r) => r.app_name)).toEqual(['app-3', 'app-4', 'app-5']);
    expect(page2).toMatchObject({ page: 2, per_page: 3 });
    const active = await appRules.list({ is_active: true }, { page: 1, per_page: 50 });
    expect(active.total).toBe(4);
    const one = await appRules.list({ app_name: 'app-6' }, { page: 1, per_page: 50 });
    expect(one.items.map((r) => r.max_duration)).toEqual([106]);
  });

  it('lists at once what another process wrote through lagwatch (a repository with its own copy)', async () => {
    const other = new RuleRepository(state.db, 'app');
    const first = await other.create({ app_name: 'a', max_duration: 10, alert_channels: ['email'] }, 'test');
    expect((await appRules.list({}, { page: 1, per_page: 50 })).items.map((r) => r.max_duration)).toEqual([10]);

    await other.update(first.id, { max_duration: 20 }, 'test');
    expect((await appRules.list({}, { page: 1, per_page: 50 })).items.map((r) => r.max_duration)).toEqual([20]);
    // Two updates of one rule within the same millisecond of another process's clock.
    const frozen = new RuleRepository(state.db, 'app', () => Date.parse('2030-01-01T00:00:00Z'));
    await frozen.update(first.id, { max_duration: 30 }, 'test');
    expect((await appRules.list({}, { page: 1, per_page: 50 })).items.map((r) => r.max_duration)).toEqual([30]);

    const second = await other.create({ app_name: 'b', max_duration: 40, alert_channels: ['email'] }, 'test');
    expect((await appRules.list({}, { page: 1, per_page: 50 })).total).toBe(2);
    await other.delete(first.id, 'test');
    const left = await appRules.list({}, { page: 1, per_page: 50 });
    expect(left.items.map((r) => r.id)).toEqual([second.id]);
    await other.delete(second.id, 'test');
    await other.create({ app_name: 'c', max_duration: 50, alert_channels: ['email'] }, 'test');
    expect((await appRules.list({}, { page: 1, per_page: 50 })).items.map((r) => r.app_name)).toEqual(['c']);
  });

  it('lists hand edits made in SQL once the copy is older than its maximum age', async () => {
    let clock = 0;
    const cached = new RuleRepository(
      state.db,
      'message',
      Date.now,
      new RuleListCache({ maxAgeMs: 1_000, clock: () => clock }),
    );
    const rule = await cached.create(
      { app_name: 'a', message_key: 'k', max_duration: 10, alert_channels: ['email'] },
      'test',
    );
    expect((await cached.list({}, { page: 1, per_page: 50 })).items[0].max_duration).toBe(10);

    await state.db.updateTable('message_rules').set({ max_duration: 99 }).where('id', '=', rule.id).execute();
    clock = 999;
    expect((await cached.list({}, { page: 1, per_page: 50 })).items[0].max_duration).toBe(10);
    clock = 1_000;
    expect((await cached.list({}, { page: 1, per_page: 50 })).items[0].max_duration).toBe(99);
  });

  it('answers every filter and page alike from memory and, above the row limit, from SQL', async () => {
    const inSql = new RuleRepository(state.db, 'message', Date.now, new RuleListCache({ maxRows: 3 }));
    for (let i = 0; i < 9; i++) {
      await messageRules.create(
        {
          app_name: `app-${i % 3}`,
          message_key: `key-${i % 4}`,
          max_duration: 100 + i,
          alert_channels: ['email'],
          is_active: i % 2 === 0,
        },
        'test',
      );
    }
    const filters = [
      {},
      { app_name: 'app-1' },
      { message_key: 'key-0' },
      { is_active: false },
      { app_name: 'app-0', message_key: 'key-0', is_active: true },
      { app_name: 'APP-0' },
      { app_name: 'none' },
    ];
    for (const filter of filters) {
      for (const page of [
        { page: 1, per_page: 50 },
        { page: 2, per_page: 2 },
        { page: 9, per_page: 5 },
      ]) {
        const fromMemory = await messageRules.list(filter, page);
        expect(await inSql.list(filter, page), JSON.stringify({ filter, page })).toEqual(fromMemory);
      }
    }
    expect((await messageRules.list({ app_name: 'app-0' }, { page: 1, per_page: 50 })).total).toBe(3);
  });

  it('hands out listed rules frozen, so no caller can change the copy other requests share', async () => {
    await appRules.create({ app_name: 'a', max_duration: 10, alert_channels: ['email'] }, 'test');
    const [rule] = (await appRules.list({}, { page: 1, per_page: 50 })).items;
    expect(() => {
      rule.max_duration = 1;
    }).toThrow(TypeError);
    expect(() => rule.alert_channels.push('webhook')).toThrow(TypeError);
    expect((await appRules.list({}, { page: 1, per_page: 50 })).items[0]).toMatchObject({
      max_duration: 10,
      alert_channels: ['email'],
    });
  });

  it('notifies change listeners on every write', async () => {
    let changes = 0;
    appRules.onChange(() => changes++);
    const rule = await appRules.create({ app_name: 'x', max_duration: 1, alert_channels: ['email'] }, 'test');
    await appRules.update(rule.id, { cooldown_minutes: 3 }, 'test');
    await appRules.delete(rule.id, 'test');
    expect(changes).toBe(3);
  });

  it('validates target addresses by type and keeps names unique', async () => {
    const chat = await targets.create({ name: 'ops chat', type: 'telegram_chat', external_id: '123456' }, 'test');
    expect(chat).toMatchObject({ type: 'telegram_chat', external_id: '123456', is_active: true });
    await targets.create({ name: 'ops group', type: 'telegram_group', external_id: '-1001234567890' }, 'test');
    await targets.create({ name: 'ops mail', type: 'email', external_id: 'ops@example.com' }, 'test');
    await targets.create(
      {
        name: 'hook',
        type: 'webhook',
        external_id: 'https://example.com/hook?x=1',
        is_active: false,
      },
      'test',
    );
    await expect(
      targets.create({ name: 'ops chat', type: 'email', external_id: 'a@b.co' }, 'test'),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      targets.create({ name: 'bad', type: 'telegram_group', external_id: '12345' }, 'test'),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(targets.update(chat.id, { type: 'webhook' }, 'test')).rejects.toBeInstanceOf(ValidationError);
    expect((await targets.get(chat.id)).type).toBe('telegram_chat');

    const active = await targets.activeOfTypes(['email', 'webhook', 'telegram_group']);
    expect(active.map((t) => t.name)).toEqual(['ops group', 'ops mail']);
    const page = await targets.list({ type: 'webhook' }, { page: 1, per_page: 10 });
    expect(page.items.map((t) => t.name)).toEqual(['hook']);
  });
});
