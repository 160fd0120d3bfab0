import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChanges, recordChange } from '../../src/audit/audit-log.js';
import { migrateToLatest, migratorFor } from '../../src/db/migrate.js';
import { migrationsFor } from '../../src/db/migrations/index.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';
import { migrationsAfter } from '../support/migrations.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'audit/audit-log');

const rule = (max: number) => ({ id: 3, app_name: 'checkout', max_duration: max, updated_at: `t${max}` });

describe.each(drivers)('audit log (migration 016) over $driver', (driver) => {
  let db: Awaited<ReturnType<typeof migratedStateDb>> | undefined;
  beforeAll(async () => {
    if (!driver.skipReason) db = await migratedStateDb(driver);
  });
  afterAll(async () => db?.close());

  it.skipIf(driver.skipReason)('records with the transaction of the change and lists newest first', async () => {
    const state = db!.state.db;
    await state.transaction().execute(async (trx) => {
      await recordChange(trx, {
        actor: 'cli',
        action: 'create',
        entity: 'rule',
        entity_id: 'app:3',
        before: null,
        after: rule(500),
        at: Date.parse('2026-12-06T10:00:00Z'),
      });
    });
    await expect(
      state.transaction().execute(async (trx) => {
        await recordChange(trx, {
          actor: 'cli',
          action: 'delete',
          entity: 'rule',
          entity_id: 'app:3',
          before: rule(500),
          after: null,
        });
        throw new Error('cut');
      }),
    ).rejects.toThrow('cut');
    // An update that changes nothing but updated_at is no change.
    expect(
      await recordChange(state, {
        actor: 'api_token',
        action: 'update',
        entity: 'rule',
        entity_id: 'app:3',
        before: rule(500),
        after: { ...rule(500), updated_at: 'later' },
      }),
    ).toBe(false);
    const long = `token:${'n'.repeat(300)}`;
    await recordChange(state, {
      actor: long,
      action: 'update',
      entity: 'rule',
      entity_id: 'app:3',
      before: rule(500),
      after: rule(800),
    });
    await recordChange(state, {
      actor: 'telegram:@ann',
      action: 'create',
      entity: 'silence',
      entity_id: '9',
      before: null,
      after: { id: 9, comment: 'quiet ünïcode 🙂' },
    });

    const all = await listChanges(state, {}, { page: 1, per_page: 50 });
    expect(all.total).toBe(3);
    expect(all.items.map((e) => [e.entity, e.action, e.actor])).toEqual([
      ['silence', 'create', 'telegram:@ann'],
      ['rule', 'update', long.slice(0, 191)],
      ['rule', 'create', 'cli'],
    ]);
    expect(all.items[2]).toEqual({
      id: expect.any(Number),
      at: '2026-12-06T10:00:00.000Z',
      actor: 'cli',
      action: 'create',
      entity: 'rule',
      entity_id: 'app:3',
      before: null,
      after: rule(500),
      changed_secrets: [],
    });
    expect(all.items[0]!.after).toEqual({ id: 9, comment: 'quiet ünïcode 🙂' });

    const rules = await listChanges(state, { entity: 'rule', entity_id: 'app:3' }, { page: 2, per_page: 1 });
    expect(rules).toMatchObject({ total: 2, page: 2, per_page: 1 });
    expect(rules.items.map((e) => e.action)).toEqual(['create']);
    expect((await listChanges(state, { actor: 'cli' }, { page: 1, per_page: 50 })).total).toBe(1);
    expect((await listChanges(state, { entity: 'token' }, { page: 1, per_page: 50 })).total).toBe(0);
  });

  it.skipIf(driver.skipReason)(
    'an update of a secret alone is recorded with changed_secrets; older rows read as before',
    async () => {
      const state = db!.state.db;
      await state.deleteFrom('audit_log').execute();
      const target = (updated_at: string) => ({
        id: 5,
        name: 'ops',
        external_id: 'https://hooks.slack.com/***',
        updated_at,
      });
      const change = {
        actor: 'file:/srv/rules.yaml',
        action: 'update' as const,
        entity: 'target' as const,
        entity_id: '5',
        before: target('a'),
        after: target('b'),
      };
      expect(await recordChange(state, change)).toBe(false);
      expect(await recordChange(state, { ...change, changed_secrets: [] })).toBe(false);
      expect(await recordChange(state, { ...change, changed_secrets: ['external_id', 'external_id'] })).toBe(true);
      // Only updates carry it.
      await recordChange(state, { ...change, action: 'create', before: null, changed_secrets: ['external_id'] });
      // A row written before changed_secrets existed.
      await state
        .insertInto('audit_log')
        .values({
          at: Date.now(),
          actor: 'cli',
          action: 'update',
          entity: 'target',
          entity_id: '5',
          before: JSON.stringify({ name: 'a' }),
          after: JSON.stringify({ name: 'b' }),
        })
        .execute();
      const [old, created, updated] = (await listChanges(state, { entity_id: '5' }, { page: 1, per_page: 10 })).items;
      expect([old!.after, old!.changed_secrets]).toEqual([{ name: 'b' }, []]);
      expect([created!.after, created!.changed_secrets]).toEqual([target('b'), []]);
      expect(updated).toMatchObject({ before: target('a'), after: target('b'), changed_secrets: ['external_id'] });
      const stored = await state.selectFrom('audit_log').select('after').orderBy('id').executeTakeFirstOrThrow();
      expect(JSON.parse(stored.after!)).toEqual({ ...target('b'), $changed_secrets: ['external_id'] });
    },
  );

  it.skipIf(driver.skipReason)('migration 016 goes down and up again', async () => {
    const state = db!.state;
    const names = Object.keys(migrationsFor(state.driver)).sort();
    const previous = names[names.indexOf('016_audit_log') - 1]!;
    const later = migrationsAfter(state.driver, previous);
    expect(later.at(-1)).toBe('016_audit_log');
    const down = await migratorFor(state).migrateTo(previous);
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName)).toEqual(later);
    expect(await migrateToLatest(state)).toEqual([...later].reverse());
    expect((await listChanges(state.db, {}, { page: 1, per_page: 1 })).total).toBe(0);
  });
});
