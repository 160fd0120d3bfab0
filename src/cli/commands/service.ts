import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { createAppContext } from '../../app/create-context.js';
import type { RulesFileApplier } from '../../app/rules-file.js';
import type { RunningService } from '../../app/service.js';
import type { Config } from '../../config/config.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../logging/logger.js';
import { configOrExit, reportFailure } from '../run.js';

export function registerServiceCommands(program: Command): void {
  program
    .command('start')
    .description(
      'serve the API and dashboard and scan every SCAN_INTERVAL_SECONDS (migrates first; applies RULES_FILE, and again on SIGHUP)',
    )
    .action(async () => {
      const config = configOrExit();
      let rulesFile: RulesFileApplier | undefined;
      await runUntilSignal(
        config,
        async (ctx) => {
          const { startService } = await import('../../app/service.js');
          if (config.rulesFile) {
            const { RulesFileApplier } = await import('../../app/rules-file.js');
            rulesFile = new RulesFileApplier(ctx.state.db, ctx.logger, config.rulesFile);
          }
          return startService(ctx, { rulesFile });
        },
        // SIGHUP re-applies RULES_FILE; without one it keeps its default (the process ends).
        config.rulesFile ? () => void rulesFile?.reload() : undefined,
      );
    });

  program
    .command('demo')
    .description('run lagwatch on embedded defaults in data/demo/ with generated traffic and demo rules')
    .option('--rate <logs-per-second>', 'generated logs per second', '40')
    .action(async (options: { rate: string }) => {
      const rate = Number(options.rate);
      if (!Number.isFinite(rate) || rate <= 0 || rate > 100_000) {
        process.stderr.write('lagwatch: --rate takes a number of logs per second (1 to 100000)\n');
        process.exitCode = 1;
        return;
      }
      const dir = 'data/demo';
      mkdirSync(dir, { recursive: true });
      // The demo's own state and logs, whatever DB_* / LOG_SOURCE say; the rest of .env applies.
      const config = demoConfig(dir);
      await runUntilSignal(config, async (ctx) => {
        const { startService } = await import('../../app/service.js');
        const { startDemo } = await import('../../demo/run-demo.js');
        const service = await startService(ctx, { intervalSeconds: Math.min(config.scan.intervalSeconds, 5) });
        const demo = await startDemo(ctx, service, { ratePerSecond: rate });
        process.stdout.write(
          `\nlagwatch demo is running: open ${service.server.address}/ in a browser` +
            `\n(state and logs in ${dir}/; Ctrl+C stops it)\n\n`,
        );
        return {
          ...service,
          async close() {
            await demo.stop();
            await service.close();
          },
        };
      });
    });
}

function demoConfig(dir: string): Config {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DB_DRIVER: 'sqlite',
    DB_DATABASE: join(dir, 'lagwatch.db'),
    LOG_SOURCE: 'embedded',
    EMBEDDED_LOG_DB: join(dir, 'logs.db'),
    LOG_FIELDS: 'default',
    SCAN_INITIAL_LOOKBACK_MINUTES: process.env.SCAN_INITIAL_LOOKBACK_MINUTES ?? '120',
  };
  for (const name of ['FIELD_TIMESTAMP', 'FIELD_APP', 'FIELD_MESSAGE_KEY', 'FIELD_DURATION', 'DURATION_UNIT']) {
    delete env[name];
  }
  try {
    return loadConfig(env);
  } catch (error) {
    reportFailure(error, undefined);
    process.exit(1);
  }
}

/** Starts, then waits for SIGINT/SIGTERM and shuts down gracefully (a second signal forces). */
async function runUntilSignal(
  config: Config,
  start: (ctx: AppContext) => Promise<RunningService>,
  onReload?: () => void,
): Promise<void> {
  const logger = createLogger(config);
  const ctx = createAppContext(config, logger);
  // Installed before starting: a SIGHUP during start-up must not end the process (the start-up
  // apply reads the file as it is then; a reload queued behind it reads it again).
  const reload = () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading RULES_FILE');
    onReload?.();
  };
  if (onReload) process.on('SIGHUP', reload);
  let service: RunningService;
  try {
    service = await start(ctx);
  } catch (error) {
    if (onReload) process.off('SIGHUP', reload);
    reportFailure(error, config);
    await ctx.close().catch(() => undefined);
    process.exitCode = 1;
    return;
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down: a scan in progress stops after its current batch');
      service
        .close()
        .then(() => ctx.close())
        .catch((error: unknown) => logger.error({ err: error }, 'error during shutdown'))
        .finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (onReload) process.off('SIGHUP', reload);
  logger.info('stopped');
}
