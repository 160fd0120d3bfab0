import Database from 'better-sqlite3';
import { LogInserter } from '../../src/logs/embedded/log-inserter.js';
import { RollupWriter } from '../../src/logs/embedded/rollup-writer.js';
import type { LogFields } from '../../src/logs/log-record.js';

/**
 * Writes rows the way ingest did before times and durations were validated, straight into the
 * store's file through a second connection (logs and rollups), as an old file may hold them.
 */
export function insertLegacyRows(storePath: string, logs: readonly LogFields[]): void {
  const db = new Database(storePath);
  try {
    db.pragma('busy_timeout = 5000');
    const inserter = new LogInserter(db);
    const rollups = new RollupWriter(db);
    db.transaction(() => {
      for (const log of logs) {
        inserter.add(log, JSON.stringify({ legacy: true }));
        rollups.add(log);
      }
      inserter.flush();
      rollups.flush();
    }).immediate();
  } finally {
    db.close();
  }
}
