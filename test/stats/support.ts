import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AppContext } from '../../src/app/context.js';
import { repositoriesFor } from '../../src/app/context.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import type { Database } from '../../src/db/schema.js';
import { EventBus } from '../../src/events/bus.js';
import { buildServer, type LagwatchServer, type ServerOptions } from '../../src/http/server.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { EmbeddedLogStore, type EmbeddedStoreOptions } from '../../src/logs/embedded/embedded-log-store.js';
import type { LogSource } from '../../src/logs/source.js';
import { type DriverUnderTest, migratedStateDb } from '../support/databases.js';
import type { TestViolation } from './dataset.js';

export interface StatsHarness {
  ctx: AppContext;
  /** The embedded store (the source of the figures unless `logSource` was given). */
  store: EmbeddedLogStore;
  app: LagwatchServer;
  /** GET through inject; answers status and parsed JSON body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and compare them
  get(url: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * A real EmbeddedLogStore in a temp dir, a migrated state database of `driver`, and the HTTP
 * server as `lagwatch start` builds it (every route, the web dashboard).
 */
export async function statsHarness(
  driver: DriverUnderTest,
  options: {
    env?: Record<string, string>;
    routes?: Pick<ServerOptions, 'now' | 'events'>;
    events?: EventBus;
    /** How the embedded store is opened (`readsOffLoop`: figure reads in stats threads, as the service does). */
    store?: EmbeddedStoreOptions;
    /** Serve the figures from this source instead of the embedded store (closed with the harness). */
    logSource?: (config: Config, logger: Logger) => Promise<LogSource>;
  } = {},
): Promise<StatsHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-stats-'));
  const database = await migratedStateDb(driver);
  const config: Config = {
    ...loadConfig({ LOG_LEVEL: 'warn', EMBEDDED_LOG_DB: join(dir, 'logs.db'), ...options.env }, undefined),
    db: database.config,
  };
  const logger = createLogger(config, new Writable({ write: (_chunk, _encoding, done) => done() }));
  const store = EmbeddedLogStore.open(config, logger, options.store);
  // Opened on first use, like the real context: a source that cannot be opened fails the request.
  let opened: Promise<LogSource> | undefined;
  const openSource = options.logSource;
  const logSource = openSource ? () => (opened ??= openSource(config, logger)) : async () => store;
  const ctx: AppContext = {
    config,
    logger,
    state: database.state,
    ...repositoriesFor(database.state),
    events: options.events ?? new EventBus(),
    logSource,
    close: async () => {
      await (await opened?.catch(() => undefined))?.close();
      await store.close();
      await database.close();
    },
  };
  const app = await buildServer(ctx, options.routes);
  return {
    ctx,
    store,
    app,
    async get(url) {
      const response = await app.inject({ method: 'GET', url });
      return { status: response.statusCode, body: response.json() };
    },
    async close() {
      await app.close();
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Records violations as the scanner would (one row each, unique dedupe key). */
export async function insertViolations(ctx: AppContext, violations: readonly TestViolation[]): Promise<void> {
  const rows: Parameters<typeof insertRows>[1] = violations.map((v, i) => ({
    dedupe_key: `test-${String(i).padStart(10, '0')}`,
    source_id: `log-${i}`,
    rule_type: v.ruleType,
    rule_id: v.ruleId,
    app_name: v.app,
    message_key: v.messageKey,
    duration_ms: v.durationMs,
    threshold_ms: v.thresholdMs,
    log_time: v.logTime,
    correlation_id: v.correlationId,
    level: null,
    message: null,
    created_at: v.logTime + 20_000,
  }));
  for (let i = 0; i < rows.length; i += 200) await insertRows(ctx, rows.slice(i, i + 200));
}

async function insertRows(ctx: AppContext, rows: Omit<Database['violations'], 'id'>[]): Promise<void> {
  if (rows.length > 0) await ctx.state.db.insertInto('violations').values(rows).execute();
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const round2 = (n: number) => Math.round(n * 100) / 100;
