import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotifierOptions } from '../../../src/alerts/channels/registry.js';
import type { RetryPolicy } from '../../../src/alerts/retry-policy.js';
import type { AppContext } from '../../../src/app/context.js';
import { createAppContext } from '../../../src/app/create-context.js';
import { createScanServices, type ScanServices } from '../../../src/app/scan-services.js';
import type { Config, DatabaseConfig } from '../../../src/config/config.js';
import { loadConfig } from '../../../src/config/load.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { EmbeddedLogStore } from '../../../src/logs/embedded/embedded-log-store.js';
import type { DriverUnderTest } from '../databases.js';

/** Environment variables that point a lagwatch process at a state database. */
export function databaseEnv(db: DatabaseConfig): Record<string, string> {
  return {
    DB_DRIVER: db.driver,
    DB_HOST: db.host || '127.0.0.1',
    DB_PORT: String(db.port),
    DB_DATABASE: db.database,
    DB_USERNAME: db.username || (db.driver === 'postgres' ? 'postgres' : 'root'),
    ...(db.password ? { DB_PASSWORD: db.password } : {}),
  };
}

export interface ScanWorldOptions {
  /** Extra configuration variables (TELEGRAM_*, MAIL_*, SCAN_*, LOG_SOURCE …). */
  env?: Record<string, string>;
  notifiers?: NotifierOptions;
  retry?: RetryPolicy;
  now?: () => number;
}

/**
 * One lagwatch installation for a test: a fresh migrated state database of the driver, an
 * embedded log store in a temporary folder (unless LOG_SOURCE says otherwise), the context and
 * the scan services built by the real `createScanServices`. `env` holds every variable a child
 * process needs to act on the same installation.
 */
export interface ScanWorld {
  dir: string;
  env: Record<string, string>;
  config: Config;
  ctx: AppContext;
  services: ScanServices;
  /** The embedded store (throws for other sources). */
  store(): Promise<EmbeddedLogStore>;
  /** Stores documents in the embedded store; every document must be accepted. */
  ingest(documents: readonly object[]): Promise<void>;
  close(): Promise<void>;
}

export async function openScanWorld(driver: DriverUnderTest, options: ScanWorldOptions = {}): Promise<ScanWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-scan-'));
  const database = await driver.createDatabase();
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    EMBEDDED_LOG_DB: join(dir, 'logs.db'),
    PUBLIC_URL: 'http://lagwatch.test:9501',
    SCAN_LAG_SECONDS: '0',
    ...databaseEnv(database.config),
    ...options.env,
  };
  const config: Config = { ...loadConfig(env, undefined), db: database.config };
  const ctx = createAppContext(config, createLogger({ logLevel: 'silent' }));
  let services: ScanServices | undefined;
  try {
    await migrateToLatest(ctx.state);
    services = await createScanServices(ctx, { notifiers: options.notifiers, retry: options.retry, now: options.now });
  } catch (error) {
    await ctx.close().catch(() => undefined);
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const store = async () => {
    const source = await ctx.logSource();
    if (source.kind !== 'embedded') throw new Error('this world has no embedded store');
    return source as EmbeddedLogStore;
  };
  return {
    dir,
    env,
    config,
    ctx,
    services,
    store,
    async ingest(documents) {
      const result = (await store()).ingestDocuments(documents);
      if (result.rejected > 0) throw new Error(`ingest rejected: ${JSON.stringify(result.errors)}`);
    },
    async close() {
      await services?.close();
      await ctx.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fast Telegram pacing for tests that send many messages to one chat. */
export const FAST_PACING: NotifierOptions = {
  telegram: { pacing: { perChatIntervalMs: 0, groupPerMinute: 100_000, globalPerSecond: 100_000 } },
};

/** Delivers until nothing is pending, sleeping until the next retry is due; fails after `timeoutMs`. */
export async function deliverAll(services: ScanServices, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await services.outbox.deliverDue();
    if ((await services.outbox.pendingCount()) === 0) return;
    if (Date.now() > deadline) throw new Error(`alerts still pending after ${timeoutMs} ms`);
    const due = (await services.outbox.nextDueAt()) ?? Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(due - Date.now(), 5), 500)));
  }
}
