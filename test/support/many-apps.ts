import type { EmbeddedLogStore } from '../../src/logs/embedded/embedded-log-store.js';

/** The name of app `i` of a many-apps data set: zero-padded, so name order is number order. */
export const manyAppName = (i: number) => `app-${String(i).padStart(6, '0')}`;

export interface ManyAppsOptions {
  apps: number;
  /** Logs per app (default 2). */
  logsPerApp?: number;
  /** Distinct levels, given out round-robin (default 3). */
  levels?: number;
  /** Start of the data, epoch ms; logs are spread over `spanMs` from there. */
  from: number;
  spanMs: number;
}

/**
 * Fills the store with `apps` distinct app names, straight through the store's own ingest path
 * (parsed documents, rollups and all) in transactions of 50,000: 200,000 logs take seconds.
 * App i's logs last 10 + (i mod 997) ms each and carry a correlation id of their own.
 */
export function fillManyApps(store: EmbeddedLogStore, options: ManyAppsOptions): number {
  const perApp = options.logsPerApp ?? 2;
  const levels = options.levels ?? 3;
  const total = options.apps * perApp;
  const step = options.spanMs / total;
  let batch: Record<string, unknown>[] = [];
  let stored = 0;
  for (let n = 0; n < total; n++) {
    const app = n % options.apps;
    batch.push({
      '@timestamp': new Date(Math.floor(options.from + n * step)).toISOString(),
      app_name: manyAppName(app),
      message_key: `key-${n % 7}`,
      duration: 10 + (app % 997) + Math.floor(n / options.apps),
      correlation_id: `trace-${n}`,
      level: `level-${String(n % levels).padStart(3, '0')}`,
    });
    if (batch.length === 50_000) {
      stored += store.ingestDocuments(batch).accepted;
      batch = [];
    }
  }
  if (batch.length > 0) stored += store.ingestDocuments(batch).accepted;
  return stored;
}
