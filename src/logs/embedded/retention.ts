import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type SQLite from 'better-sqlite3';
import { ROLLUP_SPANS, SERIES_SPANS } from './schema.js';

export interface PruneResult {
  logs: number;
  rollupRows: number;
}

const LOG_CHUNK = 10_000;
const ROLLUP_STARTS_PER_CHUNK = 60;
const ROLLUP_TABLES = [
  ['rollup_stats', ROLLUP_SPANS],
  ['rollup_levels', ROLLUP_SPANS],
  ['rollup_series', SERIES_SPANS],
] as const;

/**
 * Deletes logs with time < cutoff and rollup rows whose period starts before it, one short
 * transaction per chunk, letting other work run between chunks.
 */
export async function pruneOlderThan(db: SQLite.Database, cutoff: number): Promise<PruneResult> {
  const result: PruneResult = { logs: 0, rollupRows: 0 };
  const deleteLogs = db.prepare(
    'DELETE FROM logs WHERE seq IN (SELECT seq FROM logs WHERE time < ? ORDER BY time LIMIT ?)',
  );
  for (;;) {
    const { changes } = deleteLogs.run(cutoff, LOG_CHUNK);
    result.logs += changes;
    if (changes < LOG_CHUNK) break;
    await yieldToEventLoop();
  }
  for (const [table, spans] of ROLLUP_TABLES) {
    const oldStarts = db.prepare(
      `SELECT DISTINCT start FROM ${table} WHERE span = ? AND start < ? ORDER BY start LIMIT ${ROLLUP_STARTS_PER_CHUNK}`,
    );
    const deleteStart = db.prepare(`DELETE FROM ${table} WHERE span = ? AND start = ?`);
    for (const span of spans) {
      for (;;) {
        const starts = oldStarts.all(span, cutoff) as { start: number }[];
        if (starts.length === 0) break;
        db.transaction(() => {
          for (const { start } of starts) result.rollupRows += deleteStart.run(span, start).changes;
        })();
        await yieldToEventLoop();
      }
    }
  }
  return result;
}
