import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrationsFor } from '../../src/db/migrations/index.js';
import { MAX_RECORDED_CANDIDATES } from '../../src/logs/source.js';
import { readCheckpoint, saveCheckpoint } from '../../src/scan/checkpoints.js';
import {
  RecordedCandidatesCache,
  readRecordedCandidates,
  rememberCandidates,
} from '../../src/scan/recorded-candidates.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'db/recorded-candidates');

describe.each(drivers)('recorded candidates (migration 012) over $driver', (driver) => {
  let db: Awaited<ReturnType<typeof migratedStateDb>> | undefined;
  beforeAll(async () => {
    if (!driver.skipReason) db = await migratedStateDb(driver);
  });
  afterAll(async () => db?.close());

  it.skipIf(driver.skipReason)(
    'stores with a transaction, rolls back with it, prunes by time and per source',
    async () => {
      const state = db!.state.db;
      const long = `logs-2026.12.06/${'x'.repeat(512)}`;
      await state.transaction().execute(async (trx) => {
        await rememberCandidates(trx, 'es:a', {
          candidates: [
            { sourceId: 'logs-1/a', time: 1_000 },
            { sourceId: long, time: 3_000 },
          ],
        });
        await rememberCandidates(trx, 'es:b', { candidates: [{ sourceId: 'logs-1/a', time: 500 }] });
      });
      // A transaction that fails stores nothing.
      await expect(
        state.transaction().execute(async (trx) => {
          await rememberCandidates(trx, 'es:a', { candidates: [{ sourceId: 'logs-1/lost', time: 4_000 }] });
          throw new Error('cut');
        }),
      ).rejects.toThrow('cut');
      expect(await readRecordedCandidates(state, 'es:a')).toEqual([
        { sourceId: long, time: 3_000 },
        { sourceId: 'logs-1/a', time: 1_000 },
      ]);
      await state.transaction().execute(async (trx) => {
        await rememberCandidates(trx, 'es:a', {
          candidates: [{ sourceId: 'logs-1/c', time: 2_500 }],
          forgetBefore: 2_000,
        });
      });
      expect((await readRecordedCandidates(state, 'es:a')).map((c) => c.sourceId)).toEqual([long, 'logs-1/c']);
      expect(await readRecordedCandidates(state, 'es:b')).toEqual([{ sourceId: 'logs-1/a', time: 500 }]);
    },
  );

  it.skipIf(driver.skipReason)(
    'reads at most the newest MAX_RECORDED_CANDIDATES, in chunks that fit every driver',
    async () => {
      const state = db!.state.db;
      const candidates = Array.from({ length: MAX_RECORDED_CANDIDATES + 5 }, (_, i) => ({
        sourceId: `logs-2/${i}`,
        time: 10_000 + i,
      }));
      await state.transaction().execute((trx) => rememberCandidates(trx, 'es:many', { candidates }));
      const read = await readRecordedCandidates(state, 'es:many');
      expect(read).toHaveLength(MAX_RECORDED_CANDIDATES);
      expect(read[0]).toEqual({
        sourceId: `logs-2/${MAX_RECORDED_CANDIDATES + 4}`,
        time: 10_000 + MAX_RECORDED_CANDIDATES + 4,
      });
      await state
        .transaction()
        .execute((trx) => rememberCandidates(trx, 'es:many', { candidates: [], forgetBefore: 1e15 }));
      expect(await readRecordedCandidates(state, 'es:many')).toEqual([]);
    },
  );

  it.skipIf(driver.skipReason)('the cache reads again only when the checkpoint row changed', async () => {
    const state = db!.state.db;
    const cache = new RecordedCandidatesCache();
    expect(await cache.forCheckpoint(state, 'es:c', undefined)).toEqual([]);
    await state.transaction().execute(async (trx) => {
      await saveCheckpoint(trx, { source_key: 'es:c', cursor: 'w1', watermark: 1, updated_at: 1 });
      await rememberCandidates(trx, 'es:c', { candidates: [{ sourceId: 'i/1', time: 1 }] });
    });
    const first = await cache.forCheckpoint(state, 'es:c', await readCheckpoint(state, 'es:c'));
    expect(first).toEqual([{ sourceId: 'i/1', time: 1 }]);
    // Written behind the cache's back without a checkpoint change: not read (never happens in a scan).
    await rememberCandidates(state, 'es:c', { candidates: [{ sourceId: 'i/2', time: 2 }] });
    expect(await cache.forCheckpoint(state, 'es:c', await readCheckpoint(state, 'es:c'))).toBe(first);
    await saveCheckpoint(state, { source_key: 'es:c', cursor: 'w1', watermark: 1, updated_at: 2 });
    expect(await cache.forCheckpoint(state, 'es:c', await readCheckpoint(state, 'es:c'))).toHaveLength(2);
  });

  it.skipIf(driver.skipReason)('goes down and up again', async () => {
    const state = db!.state;
    const migrator = new Migrator({
      db: state.db,
      provider: { getMigrations: async () => migrationsFor(state.driver) },
      migrationTableName: 'lagwatch_migrations',
      migrationLockTableName: 'lagwatch_migrations_lock',
      allowUnorderedMigrations: true,
    });
    // Every migration after 011 goes down, newest first; 012 is the last of them.
    const later = Object.keys(migrationsFor(state.driver))
      .filter((name) => name > '011_window_rules')
      .sort()
      .reverse();
    const down = await migrator.migrateTo('011_window_rules');
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.migrationName)).toEqual(later);
    expect(later.at(-1)).toBe('012_recorded_candidates');
    await expect(state.db.selectFrom('recorded_candidates').selectAll().execute()).rejects.toThrow();
    expect(await migrateToLatest(state)).toEqual([...later].reverse());
    expect(await readRecordedCandidates(state.db, 'es:a')).toEqual([]);
  });
});
