import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ChannelRegistry } from '../../src/alerts/channels/registry.js';
import type { AppContext } from '../../src/app/context.js';
import { repositoriesFor } from '../../src/app/context.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { EventBus } from '../../src/events/bus.js';
import { buildServer, type LagwatchServer, type ServerOptions } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';
import { EmbeddedLogStore } from '../../src/logs/embedded/embedded-log-store.js';
import type { LogSource } from '../../src/logs/source.js';
import { type DriverUnderTest, driversUnderTest, migratedStateDb } from '../support/databases.js';

export interface TestApi {
  ctx: AppContext;
  app: LagwatchServer;
  /** Every log line the server wrote, as text. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestApiOptions extends ServerOptions {
  /** Environment variables for loadConfig (no .env file is read). */
  env?: Record<string, string>;
  /** Replaces ctx.logSource(); by default an embedded log store in a temporary folder. */
  logSource?: () => Promise<LogSource>;
  /** More routes, registered with the context (e.g. ingest and the stats routes, as the service does). */
  routes?: (app: LagwatchServer, ctx: AppContext) => Promise<void>;
  /** The channel registry (default: lagwatch's own), e.g. with a provider registered by the test. */
  channels?: ChannelRegistry;
}

/** A context over a fresh migrated database of `driver`, and the API built on it. */
export async function testApi(driver: DriverUnderTest, options: TestApiOptions = {}): Promise<TestApi> {
  const database = await migratedStateDb(driver);
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-http-'));
  const env = { LOG_LEVEL: 'info', EMBEDDED_LOG_DB: join(dir, 'logs.db'), ...options.env };
  const config: Config = { ...loadConfig(env, undefined), db: database.config };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config, sink);
  let store: EmbeddedLogStore | undefined;
  const ctx: AppContext = {
    config,
    logger,
    state: database.state,
    ...repositoriesFor(database.state, options.channels),
    events: new EventBus(),
    logSource:
      options.logSource ??
      (async () => {
        store ??= EmbeddedLogStore.open(config, logger);
        return store;
      }),
    close: async () => {
      await store?.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const routes = options.routes;
  const app = await buildServer(ctx, {
    ...options,
    extraRoutes: routes ? (server) => routes(server, ctx) : options.extraRoutes,
  });
  return {
    ctx,
    app,
    logs,
    close: async () => {
      await app.close();
      await ctx.close();
    },
  };
}

export const sqliteDriver = (): DriverUnderTest => driversUnderTest().find((d) => d.driver === 'sqlite')!;

export const validAppRule = (overrides: Record<string, unknown> = {}) => ({
  app_name: 'checkout',
  max_duration: 500,
  alert_channels: ['telegram_chat'],
  ...overrides,
});

export const validMessageRule = (overrides: Record<string, unknown> = {}) => ({
  app_name: 'checkout',
  message_key: 'payment.capture',
  max_duration: 800,
  alert_channels: ['email', 'webhook'],
  cooldown_minutes: 10,
  ...overrides,
});

export const validTarget = (overrides: Record<string, unknown> = {}) => ({
  name: 'ops mail',
  type: 'email',
  external_id: 'ops@example.com',
  ...overrides,
});
