import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateDb, type StateDb } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { driversUnderTest } from '../support/databases.js';

describe('SQLite state database transactions', () => {
  let state: StateDb | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await state?.close();
    await drop?.();
  });

  // Another process writing between a transaction's first read and its first write made that
  // write fail at once with "database is locked" (two cron scanners over one state file).
  it('hold the write lock from their start, so another process waits instead of slipping in between', async () => {
    const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
    const created = await sqlite.createDatabase();
    drop = created.drop;
    state = openStateDb(created.config);
    await migrateToLatest(state);
    const otherProcess = new SQLite(created.config.database);
    otherProcess.pragma('busy_timeout = 0');
    try {
      let othersWrite: unknown = 'not tried';
      await state.db.transaction().execute(async (trx) => {
        await sql`select count(*) from checkpoints`.execute(trx);
        try {
          otherProcess
            .prepare(`insert into checkpoints (source_key, cursor, watermark, updated_at) values ('x', '', 0, 0)`)
            .run();
          othersWrite = 'written';
        } catch (error) {
          othersWrite = (error as Error).message;
        }
        await sql`delete from checkpoints where source_key = 'y'`.execute(trx);
      });
      expect(othersWrite).toBe('database is locked');
    } finally {
      otherProcess.close();
    }
  });
});
