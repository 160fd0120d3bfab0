import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';
import type { ChannelRegistry } from '../../src/alerts/channels/registry.js';
import { type AppContext, repositoriesFor } from '../../src/app/context.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { openStateDb } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { EventBus } from '../../src/events/bus.js';
import { DatabaseEventChannel } from '../../src/events/event-log.js';
import { withTimeout } from '../../src/health/with-timeout.js';
import { type RunningServer, startHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';
import { EmbeddedLogStore } from '../../src/logs/embedded/embedded-log-store.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Polls until the page shows what the test expects (the dashboard fetches and renders asynchronously). */
export const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000, interval: 100 });
export const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing (apt-get install chromium); browser tests skipped`;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds the dashboard from web/ into a temp dir, so the tests exercise the current sources.
 * `sourcemap: undefined` keeps what web/vite.config.ts says.
 */
export async function buildDashboard(
  outDir: string,
  options: { sourcemap?: false } = { sourcemap: false },
): Promise<void> {
  // What `npm run build` ships: under vitest NODE_ENV is `test`, which vite would build into the
  // bundle, giving React's development build (larger, every effect run twice under StrictMode).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(ROOT, 'web/vite.config.ts'),
      logLevel: 'error',
      build: { outDir, emptyOutDir: true, ...options },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

export interface WebHarness {
  ctx: AppContext;
  store: EmbeddedLogStore;
  server: RunningServer;
  /** Base URL of the running server, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Calls the API as a script would; answers status and parsed body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface WebHarnessOptions {
  /**
   * `local` (default): live events stay in this process. `database`: the bus shares them through
   * the state database's event_log table and is started, as `start` does, so events published
   * by other processes on the same state database (a cron `log:alert-scan`) reach /events.
   */
  events?: 'local' | 'database';
  /** Poll interval of the event_log channel in ms (with `events: 'database'`). */
  eventPollMs?: number;
  /** The channel registry (default: lagwatch's own), e.g. with a provider the test registers. */
  channels?: ChannelRegistry;
}

/**
 * A real lagwatch HTTP server on 127.0.0.1, port 0: SQLite state and the embedded log store in a
 * temp dir (unless `env` names them), and the web dashboard built into `webRoot`.
 */
export async function startWebHarness(
  webRoot: string,
  env: Record<string, string> = {},
  options: WebHarnessOptions = {},
): Promise<WebHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-web-'));
  const config: Config = loadConfig(
    {
      LOG_LEVEL: 'warn',
      DB_DRIVER: 'sqlite',
      DB_DATABASE: join(dir, 'state.db'),
      EMBEDDED_LOG_DB: join(dir, 'logs.db'),
      ...env,
    },
    undefined,
  );
  const logger = createLogger(config, new Writable({ write: (_chunk, _encoding, done) => done() }));
  const state = openStateDb(config.db);
  await migrateToLatest(state);
  const store = EmbeddedLogStore.open(config, logger);
  const events =
    options.events === 'database'
      ? new EventBus({ channel: new DatabaseEventChannel(state.db, logger, { pollMs: options.eventPollMs }), logger })
      : new EventBus();
  await events.start();
  const ctx: AppContext = {
    config,
    logger,
    state,
    ...repositoriesFor(state, options.channels),
    events,
    logSource: async () => store,
    close: async () => {
      await events.close();
      await store.close();
      await state.close();
    },
  };
  const server = await startHttpServer(ctx, {
    host: '127.0.0.1',
    port: 0,
    webRoot,
  });
  return {
    ctx,
    store,
    server,
    url: server.address,
    async api(method, path, body) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (config.apiToken) headers.authorization = `Bearer ${config.apiToken}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${server.address}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await server.close();
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with a fresh profile; never a downloaded browser. */
export async function launchBrowser(
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'lagwatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: options.width ?? 1360, height: options.height ?? 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: options.colorScheme ?? 'light',
  });
  return {
    context,
    async close() {
      // A Chromium that does not close must not hang the test that used it (its failure would be lost).
      await withTimeout(context.close(), 15_000, 'closing Chromium').catch((error: Error) =>
        console.warn(`[browser] ${error.message}`),
      );
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens `#/<path>` of the dashboard at `baseUrl` in a fresh Chromium of the given size and runs
 * `run` with the page and the requests it sent other than GETs (`POST /rules/slo`); fails on
 * any error the page threw.
 */
export async function withDashboardPage(
  baseUrl: string,
  view: { width: number; height: number },
  path: string,
  run: (page: Page, sent: string[]) => Promise<void>,
): Promise<void> {
  const browser = await launchBrowser(view);
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const sent: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (request.method() !== 'GET') sent.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.goto(`${baseUrl}/#/${path}`);
    await run(page, sent);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
}

export const RESULTS_DIR = join(ROOT, 'test-results');
