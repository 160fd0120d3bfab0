import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { AppContext } from '../app/context.js';
import { scrubSecrets, secretsOf } from '../config/redact.js';

export interface CheckResult {
  ok: boolean;
  /** What was checked, e.g. "sqlite 3.45.1" or "embedded SQLite 3.45". */
  description?: string;
  error?: string;
  duration_ms: number;
}

export type ReadinessReport = Record<string, CheckResult>;

/** Rejects after `ms` unless the promise settles first. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function timed(check: () => Promise<string | undefined>, timeoutMs: number, what: string, secrets: string[]) {
  const started = performance.now();
  try {
    const description = await withTimeout(check(), timeoutMs, what);
    return { ok: true, ...(description ? { description } : {}), duration_ms: elapsed(started) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: scrubSecrets(message.split('\n')[0], secrets), duration_ms: elapsed(started) };
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/**
 * The readiness checks: the state database, the log source, and Redis when configured. Each is
 * bounded by `timeoutMs`; they run in parallel.
 */
export function readinessChecker(ctx: AppContext, timeoutMs: number) {
  const secrets = secretsOf(ctx.config);
  const checks: Record<string, () => Promise<string | undefined>> = {
    database: async () => {
      await sql`select 1`.execute(ctx.state.db);
      return ctx.state.driver;
    },
    log_source: async () => {
      const health = await (await ctx.logSource()).health();
      if (!health.ok) throw new Error(health.error ?? `${health.description} is not healthy`);
      return health.description;
    },
  };
  const redis = ctx.config.redis;
  if (redis) {
    checks.redis = async () => {
      const client = new Redis({
        host: redis.host,
        port: redis.port,
        password: redis.password,
        db: redis.db,
        lazyConnect: true,
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      client.on('error', () => {}); // reported through the rejected ping
      try {
        await client.connect();
        await client.ping();
        return `redis ${redis.host}:${redis.port}`;
      } finally {
        client.disconnect();
      }
    };
  }
  return async (): Promise<ReadinessReport> => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => timed(checks[name], timeoutMs, name, secrets)));
    return Object.fromEntries(names.map((name, i) => [name, results[i]]));
  };
}
