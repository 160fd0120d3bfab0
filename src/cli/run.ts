import { pino } from 'pino';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create-context.js';
import type { Config } from '../config/config.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { scrubSecrets, secretsOf } from '../config/redact.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { ValidationError } from '../validation/problems.js';
import { printable } from './output.js';

/** A command failed in a way the user can act on: print its message, exit 1. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

let cachedConfig: Config | undefined;

/** The validated configuration; on problems prints one line per problem and exits 1. */
export function configOrExit(): Config {
  if (cachedConfig) return cachedConfig;
  try {
    cachedConfig = loadConfig();
    return cachedConfig;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`lagwatch: invalid configuration\n${error.problems.map((p) => `  ${p}\n`).join('')}`);
      process.exit(1);
    }
    throw error;
  }
}

/** lagwatch's own logs for commands: warnings only unless LOG_LEVEL asks, on stderr so stdout stays data. */
export function commandLogger(config: Config): Logger {
  return createLogger({ logLevel: process.env.LOG_LEVEL ? config.logLevel : 'warn' }, pino.destination(2));
}

/**
 * Runs a command body with a context, closes it, and turns any failure into one line on stderr
 * and exit status 1. Secrets are scrubbed from that line.
 */
export async function withContext(body: (ctx: AppContext) => Promise<number | undefined>): Promise<void> {
  const config = configOrExit();
  const ctx = createAppContext(config, commandLogger(config));
  let exitCode = 0;
  try {
    exitCode = (await body(ctx)) ?? 0;
  } catch (error) {
    exitCode = 1;
    reportFailure(error, config);
  } finally {
    await ctx.close().catch(() => undefined);
  }
  process.exitCode = exitCode;
}

export function reportFailure(error: unknown, config: Config | undefined): void {
  const message =
    error instanceof ValidationError || error instanceof CommandError || error instanceof Error
      ? error.message
      : String(error);
  const clean = config ? scrubSecrets(message, secretsOf(config)) : message;
  process.stderr.write(`lagwatch: ${printable(clean.split('\n')[0] ?? '')}\n`);
}
