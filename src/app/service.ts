import { migrateToLatest } from '../db/migrate.js';
import { type RunningServer, startHttpServer } from '../http/server.js';
import { EmbeddedLogStore } from '../logs/embedded/embedded-log-store.js';
import { ScanScheduler } from '../scan/scheduler.js';
import { type PollerOptions, TelegramUpdatesPoller } from '../telegram-updates/poller.js';
import { DEFAULT_WEB_ROOT } from '../web/serve.js';
import type { AppContext } from './context.js';
import type { RulesFileApplier } from './rules-file.js';
import { createScanServices, type ScanServiceOptions, type ScanServices } from './scan-services.js';

export interface ServiceOptions extends ScanServiceOptions {
  /** Overrides PORT (0 picks a free port). */
  port?: number;
  host?: string;
  /** Overrides SCAN_INTERVAL_SECONDS. */
  intervalSeconds?: number;
  /** How often the scheduler judges self-alerts, ms (default 30 s; tests). */
  selfCheckMs?: number;
  /** Tuning of the Telegram button-press poller (tests). */
  telegramUpdates?: PollerOptions;
  /** RULES_FILE: applied after migrating and before serving (its problems stop the start). */
  rulesFile?: RulesFileApplier;
}

export interface RunningService {
  server: RunningServer;
  services: ScanServices;
  scheduler: ScanScheduler;
  /**
   * Stops accepting requests, ends a scan in progress after its current batch (what it committed
   * stays; the next scan reads on from its checkpoint), closes database and Redis.
   */
  close(): Promise<void>;
}

/**
 * `lagwatch start`: migrates the state database, serves the API and the dashboard, and runs the
 * scheduler (scans every SCAN_INTERVAL_SECONDS, delivers alerts, prunes the embedded store).
 */
export async function startService(ctx: AppContext, options: ServiceOptions = {}): Promise<RunningService> {
  const applied = await migrateToLatest(ctx.state);
  if (applied.length > 0) ctx.logger.info({ applied }, 'state database migrated');
  if (options.rulesFile) {
    await options.rulesFile.applyAtStart();
    ctx.rulesFile = options.rulesFile;
  }

  const embedded = ctx.config.logSource === 'embedded';
  try {
    await ctx.logSource();
  } catch (error) {
    // The embedded store is a local file: failing to open it is a set-up error. An unreachable
    // Elasticsearch is not: serve anyway, report it on /ready and in every scan's cron log row,
    // keep delivering queued alerts, and scan as soon as it answers.
    if (embedded) throw error;
    ctx.logger.error(
      { err: error },
      'log source unavailable at start-up; serving anyway, /ready reports it and scans retry every interval',
    );
  }
  const services = await createScanServices(ctx, options);
  const scheduler = new ScanScheduler(services, {
    intervalSeconds: options.intervalSeconds ?? ctx.config.scan.intervalSeconds,
    logger: ctx.logger,
    hourly: embedded ? () => pruneEmbeddedStore(services) : undefined,
    // The embedded store is told of new logs by /ingest itself.
    probeSeconds: embedded ? 0 : ctx.config.scan.probeSeconds,
    selfCheck: () => services.selfMonitor.evaluate(),
    selfCheckMs: options.selfCheckMs,
  });

  // Violations, scans and alerts of other processes (a cron `log:alert-scan`, a second instance).
  await ctx.events.start();

  let server: RunningServer;
  try {
    server = await startHttpServer(ctx, {
      port: options.port,
      host: options.host,
      onIngest: () => scheduler.poke(),
      webRoot: DEFAULT_WEB_ROOT,
    });
  } catch (error) {
    await services.close();
    throw error;
  }
  scheduler.start();
  const poller = startTelegramUpdates(ctx, services, options.telegramUpdates);
  ctx.logger.info(
    {
      address: server.address,
      log_source: ctx.config.logSource,
      database: ctx.state.driver,
      redis: services.redis !== undefined,
      live_events: ctx.events.status().description,
    },
    `lagwatch is running: dashboard on ${server.address}/`,
  );

  let closing: Promise<void> | undefined;
  return {
    server,
    services,
    scheduler,
    close() {
      closing ??= (async () => {
        await server.close();
        await poller?.stop();
        await scheduler.stop();
        await ctx.events.close();
        await services.close();
      })();
      return closing;
    },
  };
}

/** The Mute-button poller, when a bot token is set and TELEGRAM_UPDATES is not off. */
function startTelegramUpdates(
  ctx: AppContext,
  services: ScanServices,
  options: PollerOptions | undefined,
): TelegramUpdatesPoller | undefined {
  const { botToken, updates } = ctx.config.telegram;
  if (!botToken || !updates) return undefined;
  const poller = new TelegramUpdatesPoller(ctx, services.lease, botToken, { now: options?.now, ...options });
  poller.start();
  return poller;
}

async function pruneEmbeddedStore(services: ScanServices): Promise<void> {
  const source = await services.source();
  if (source instanceof EmbeddedLogStore) await source.prune();
}
