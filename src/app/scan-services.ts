import type { Redis } from 'ioredis';
import { createNotifiers, type NotifierOptions } from '../alerts/channels/registry.js';
import { type CooldownStore, DatabaseCooldowns, RedisCooldowns } from '../alerts/cooldown.js';
import { Outbox, type OutboxOptions } from '../alerts/outbox.js';
import { exponentialBackoff, type RetryPolicy } from '../alerts/retry-policy.js';
import { secretsOf } from '../config/redact.js';
import type { LogSource } from '../logs/source.js';
import { createRedis } from '../redis/client.js';
import { DatabaseLease, type Lease, RedisLease } from '../scan/lease.js';
import { Scanner } from '../scan/scanner.js';
import { SelfMonitor } from '../self-monitoring/self-monitor.js';
import type { AppContext } from './context.js';

/** Everything a scan run and alert delivery need, built once per process. */
export interface ScanServices {
  /** The log source, opened on first use and retried after a failure (see AppContext). */
  source(): Promise<LogSource>;
  scanner: Scanner;
  outbox: Outbox;
  /** Self-alerts: evaluated after scans (see src/self-monitoring). */
  selfMonitor: SelfMonitor;
  lease: Lease;
  cooldowns: CooldownStore;
  redis: Redis | undefined;
  close(): Promise<void>;
}

export interface ScanServiceOptions {
  notifiers?: NotifierOptions;
  retry?: RetryPolicy;
  now?: () => number;
  /** The outbox's claim holder id and claim timings (defaults: see Outbox). */
  outbox?: Pick<OutboxOptions, 'holder' | 'claimMs' | 'claimRenewMs'>;
}

/**
 * Wires scanner and outbox: Redis for the lease and cooldowns when REDIS_HOST is set, the state
 * database otherwise. Nothing here needs the log source to answer: alerts already queued are
 * delivered while it is down.
 */
export async function createScanServices(ctx: AppContext, options: ScanServiceOptions = {}): Promise<ScanServices> {
  const source = () => ctx.logSource();
  const redis = ctx.config.redis ? createRedis(ctx.config.redis) : undefined;
  const lease = redis ? new RedisLease(redis) : new DatabaseLease(ctx.state.db, options.now);
  const cooldowns = redis ? new RedisCooldowns(redis) : new DatabaseCooldowns();
  const scanner = new Scanner({ ctx, source, lease, cooldowns, now: options.now });
  const outbox = new Outbox(ctx.state.db, {
    notifiers: createNotifiers(ctx.config, { logger: ctx.logger, ...options.notifiers }),
    targets: ctx.targets,
    retry: options.retry ?? exponentialBackoff(),
    secrets: secretsOf(ctx.config),
    logger: ctx.logger,
    events: ctx.events,
    now: options.now,
    ...options.outbox,
  });
  const selfMonitor = new SelfMonitor({
    db: ctx.state.db,
    config: ctx.config,
    targets: ctx.targets,
    silences: ctx.silences,
    secrets: secretsOf(ctx.config),
    logger: ctx.logger,
    now: options.now,
  });
  return {
    source,
    scanner,
    outbox,
    selfMonitor,
    lease,
    cooldowns,
    redis,
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
