import { migrateToLatest } from '../db/migrate.js';
import { ingestRoutes } from '../http/routes/ingest.js';
import { type RunningServer, startHttpServer } from '../http/server.js';
import { EmbeddedLogStore } from '../logs/embedded/embedded-log-store.js';
import { ScanScheduler } from '../scan/scheduler.js';
import { createScanServices, type ScanServiceOptions, type ScanServices } from '../scan/services.js';
import { registerStatsRoutes } from '../stats/routes.js';
import { registerWebApp } from '../web/serve.js';
import type { AppContext } from './context.js';

export interface ServiceOptions extends ScanServiceOptions {
  /** Overrides PORT (0 picks a free port). */
  port?: number;
  host?: string;
  /** Overrides SCAN_INTERVAL_SECONDS. */
  intervalSeconds?: number;
}

export interface RunningService {
  server: RunningServer;
  services: ScanServices;
  scheduler: ScanScheduler;
  /** Stops accepting requests, lets an in-flight scan finish, closes database and Redis. */
  close(): Promise<void>;
}

/**
 * `lagwatch start`: migrates the state database, serves the API and the dashboard, and runs the
 * scheduler (scans every SCAN_INTERVAL_SECONDS, delivers alerts, prunes the embedded store).
 */
export async function startService(ctx: AppContext, options: ServiceOptions = {}): Promise<RunningService> {
  const applied = await migrateToLatest(ctx.state);
  if (applied.length > 0) ctx.logger.info({ applied }, 'state database migrated');

  const services = await createScanServices(ctx, options);
  const source = services.source;
  const scheduler = new ScanScheduler(services, {
    intervalSeconds: options.intervalSeconds ?? ctx.config.scan.intervalSeconds,
    logger: ctx.logger,
    hourly: source instanceof EmbeddedLogStore ? async () => void (await source.prune()) : undefined,
  });

  let server: RunningServer;
  try {
    server = await startHttpServer(ctx, {
      port: options.port,
      host: options.host,
      extraRoutes: async (app) => {
        await app.register(ingestRoutes(ctx, { onIngest: () => scheduler.poke() }));
        await registerStatsRoutes(app, ctx);
        await registerWebApp(app);
      },
    });
  } catch (error) {
    await services.close();
    throw error;
  }
  scheduler.start();
  ctx.logger.info(
    {
      address: server.address,
      log_source: source.kind,
      database: ctx.state.driver,
      redis: services.redis !== undefined,
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
        await scheduler.stop();
        await services.close();
      })();
      return closing;
    },
  };
}
