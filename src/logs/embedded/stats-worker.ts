import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteFile } from '../../db/connection.js';
import { SlowestTraces } from './slowest-traces.js';
import { StatsReader } from './stats-reader.js';
import { answerStats } from './stats-requests.js';
import type { StatsJob, StatsReply } from './stats-thread.js';
import { EmbeddedWindowStats } from './window-stats-reader.js';

/**
 * A stats thread: its own read-only connection to the embedded store, answering figure reads
 * (sums over 100,000 apps, the slowest traces of a day) so that the event loop never runs them.
 * SQLite WAL lets it read while the service's connection and the ingest thread write.
 */
const db = openSqliteFile((workerData as { path: string }).path);
db.pragma('query_only = ON');
db.pragma('cache_size = -16384');
db.pragma('temp_store = MEMORY');
const readers = { stats: new StatsReader(db), slowest: new SlowestTraces(db), windows: new EmbeddedWindowStats(db) };

/** Below the event loop's priority (Linux: per thread), so /health and scans win a busy CPU. */
const STATS_THREAD_NICE = 5;
if (process.platform === 'linux') {
  try {
    setPriority(STATS_THREAD_NICE);
  } catch {
    // Not allowed here (a sandbox): the thread runs at the process's priority.
  }
}

parentPort?.on('message', (job: StatsJob) => {
  let reply: StatsReply;
  try {
    reply = { id: job.id, ok: true, value: answerStats(readers, job.request) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { id: job.id, ok: false, name: e.name, message: e.message, code: (e as { code?: unknown }).code };
  }
  parentPort?.postMessage(reply);
});
