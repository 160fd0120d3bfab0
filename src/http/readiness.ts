import { sql } from 'kysely';
import { scrubSecrets, secretsOf } from '../config/redact.js';
import { probeRedis } from '../health/redis-probe.js';
import { messageOf, withTimeout } from '../health/with-timeout.js';
import { activeConditions } from '../self-monitoring/conditions.js';
import { selfChecks } from '../self-monitoring/status.js';
import type { HttpContext } from './context.js';
import { storageHealthOf } from './storage-health.js';

export interface CheckResult {
  ok: boolean;
  /** What was checked, e.g. "sqlite 3.45.1" or "embedded SQLite 3.45". */
  description?: string;
  error?: string;
  /** Works, but not fully: a self-alert condition that does not stop lagwatch watching (a channel failing). */
  degraded?: boolean;
  duration_ms: number;
}

export type ReadinessReport = Record<string, CheckResult>;

async function timed(check: () => Promise<string | undefined>, timeoutMs: number, what: string, secrets: string[]) {
  const started = performance.now();
  try {
    const description = await withTimeout(check(), timeoutMs, what);
    return { ok: true, ...(description ? { description } : {}), duration_ms: elapsed(started) };
  } catch (error) {
    return { ok: false, error: scrubSecrets(messageOf(error).split('\n')[0], secrets), duration_ms: elapsed(started) };
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/**
 * The readiness checks: the state database, the log source, and Redis when configured. Each is
 * bounded by `timeoutMs`; they run in parallel.
 */
export function readinessChecker(
  ctx: Pick<HttpContext, 'config' | 'state' | 'logSource' | 'targets'>,
  timeoutMs: number,
) {
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
      const health = await probeRedis(redis, timeoutMs);
      if (!health.ok) throw new Error(health.error ?? 'Redis did not answer');
      return `redis ${redis.host}:${redis.port}`;
    };
  }
  return async (): Promise<ReadinessReport> => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => timed(checks[name], timeoutMs, name, secrets)));
    const report: ReadinessReport = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    // A store that answers a probe may still refuse writes (locked by another process, disk full).
    for (const [store, message] of storageHealthOf(ctx).failures()) {
      report[store] = {
        ...report[store],
        ok: false,
        error: `${message}; the last write failed`,
        duration_ms: report[store]?.duration_ms ?? 0,
      };
    }
    Object.assign(report, await selfMonitoring(ctx, timeoutMs, secrets));
    return report;
  };
}

/**
 * The self-monitoring conditions held past SELF_ALERT_AFTER_MINUTES (the same `diagnose` and
 * /metrics show): scans failing or a stale scan lease make lagwatch not ready, a failing
 * channel degraded. Left out when the state database cannot say (its own check names that).
 */
async function selfMonitoring(
  ctx: Pick<HttpContext, 'config' | 'state' | 'targets'>,
  timeoutMs: number,
  secrets: string[],
): Promise<ReadinessReport> {
  const started = performance.now();
  try {
    const active = await withTimeout(
      activeConditions({ db: ctx.state.db, config: ctx.config, targets: ctx.targets, secrets, now: Date.now() }),
      timeoutMs,
      'self-monitoring',
    );
    const duration_ms = elapsed(started);
    return Object.fromEntries(
      selfChecks(active).map((check) => [
        check.name,
        check.ok
          ? { ok: true, description: check.text, ...(check.degraded ? { degraded: true } : {}), duration_ms }
          : { ok: false, error: check.text, duration_ms },
      ]),
    );
  } catch {
    return {};
  }
}
