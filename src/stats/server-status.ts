import { availableParallelism, hostname, loadavg } from 'node:os';
import type { Selectable } from 'kysely';
import { outboxBacklog } from '../alerts/alert-log.js';
import type { Config } from '../config/config.js';
import { scrubSecrets, secretsOf } from '../config/redact.js';
import type { StateDb } from '../db/connection.js';
import type { CronLogTable } from '../db/schema.js';
import type { EventsStatus } from '../events/bus.js';
import { probeRedis, type RedisHealth } from '../health/redis-probe.js';
import { messageOf, withTimeout } from '../health/with-timeout.js';
import type { LogSource } from '../logs/source.js';
import type { RulesFileStatus } from '../rules/rules-file-status.js';
import { listCheckpoints } from '../scan/checkpoints.js';
import { CronLog } from '../scan/cron-log.js';
import { VERSION } from '../version.js';
import { iso } from './time-range.js';

export interface ServerStatus {
  /** True when the log source, the database and (when configured) Redis all answer. */
  ok: boolean;
  /** One line per part that is down, e.g. "database: connect ECONNREFUSED 127.0.0.1:3306". */
  problems: string[];
  version: string;
  node_version: string;
  hostname: string;
  pid: number;
  started_at: string;
  uptime_seconds: number;
  memory: { rss_bytes: number; heap_used_bytes: number; heap_total_bytes: number; external_bytes: number };
  load_average: [number, number, number];
  cpus: number;
  log_source: {
    kind: 'embedded' | 'elasticsearch';
    ok: boolean;
    description: string | null;
    version: string | null;
    error: string | null;
  };
  database: { driver: string; ok: boolean; server_version: string | null; error: string | null };
  /** null when REDIS_HOST is not set (cooldowns and the lease live in the database). */
  redis: RedisHealth | null;
  last_scan: LastScan | null;
  /** Seconds between now and the watermark of the current source's checkpoint; null before the first scan. */
  checkpoint_lag_seconds: number | null;
  checkpoints: { source_key: string; watermark: string; lag_seconds: number; updated_at: string }[];
  outbox: { pending: number; oldest_pending_age_seconds: number | null };
  /** How this process shares live events with other lagwatch processes, and whether that fails. */
  events: EventsStatus | null;
  /** The RULES_FILE this process applies (start), and how its last apply went; null when none. */
  rules_file: RulesFileStatus | null;
}

export interface LastScan {
  id: number;
  command: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  logs_scanned: number;
  violations: number;
  alerts: number;
  error: string | null;
  host: string;
  pid: number;
}

export interface ServerStatusOptions {
  now?: number;
  /** Each probe (log source, database, Redis) gives up after this long; default 3 s. */
  probeTimeoutMs?: number;
}

/** What the status reads: the configuration, the state database and the log source. */
export interface StatusSources {
  config: Config;
  state: StateDb;
  logSource(): Promise<LogSource>;
  /** This process's event bus (absent: not reported). */
  events?: { status(): EventsStatus };
  /** The RULES_FILE this process applies (absent: not reported). */
  rulesFile?: { status(): RulesFileStatus };
}

/** A failure to publish live events is a problem for this long after it happened. */
const EVENT_FAILURE_MS = 5 * 60_000;

/**
 * What `GET /monitor/server` shows, and what `lagwatch diagnose` reuses: process figures and
 * every dependency probed in parallel, each bounded in time; error texts carry no secrets.
 */
export async function computeServerStatus(
  ctx: StatusSources,
  options: ServerStatusOptions = {},
): Promise<ServerStatus> {
  const now = options.now ?? Date.now();
  const timeout = options.probeTimeoutMs ?? 3_000;
  const secrets = secretsOf(ctx.config);
  const clean = (error: unknown) => scrubSecrets(messageOf(error), secrets);

  const [logSource, database, redis, stateFigures] = await Promise.all([
    probeLogSource(ctx, timeout, clean),
    probeDatabase(ctx, timeout, clean),
    ctx.config.redis ? probeRedis(ctx.config.redis, timeout) : Promise.resolve(null),
    readStateFigures(ctx, now, timeout).catch(() => undefined),
  ]);
  if (redis?.error) redis.error = scrubSecrets(redis.error, secrets);

  const problems: string[] = [];
  if (!logSource.status.ok) problems.push(`log source (${logSource.status.kind}): ${logSource.status.error}`);
  if (!database.ok) problems.push(`database (${database.driver}): ${database.error}`);
  if (redis && !redis.ok) problems.push(`redis: ${redis.error}`);
  const events = ctx.events?.status() ?? null;
  if (events?.last_error) events.last_error = scrubSecrets(events.last_error, secrets);
  if (events?.last_error_at && now - Date.parse(events.last_error_at) < EVENT_FAILURE_MS) {
    problems.push(`live events (${events.transport}): ${events.failed} not published; last: ${events.last_error}`);
  }

  const checkpoints = stateFigures?.checkpoints ?? [];
  const current =
    checkpoints.find((c) => c.source_key === logSource.key) ??
    [...checkpoints].sort((a, b) => b.updatedAt - a.updatedAt)[0];
  const memory = process.memoryUsage();
  const uptime = process.uptime();
  const [l1, l5, l15] = loadavg();
  return {
    ok: problems.length === 0,
    problems,
    version: VERSION,
    node_version: process.version,
    hostname: hostname(),
    pid: process.pid,
    started_at: iso(now - Math.round(uptime * 1000)),
    uptime_seconds: Math.round(uptime),
    memory: {
      rss_bytes: memory.rss,
      heap_used_bytes: memory.heapUsed,
      heap_total_bytes: memory.heapTotal,
      external_bytes: memory.external,
    },
    load_average: [round2(l1), round2(l5), round2(l15)],
    cpus: availableParallelism(),
    log_source: logSource.status,
    database,
    redis,
    last_scan: stateFigures?.lastScan ?? null,
    checkpoint_lag_seconds: current ? current.lag_seconds : null,
    checkpoints: checkpoints.map(({ updatedAt: _, ...c }) => c),
    outbox: stateFigures?.outbox ?? { pending: 0, oldest_pending_age_seconds: null },
    events,
    rules_file: ctx.rulesFile?.status() ?? null,
  };
}

async function probeLogSource(ctx: StatusSources, timeout: number, clean: (e: unknown) => string) {
  const kind = ctx.config.logSource;
  let source: LogSource | undefined;
  try {
    source = await withTimeout(ctx.logSource(), timeout, 'log source');
    const health = await withTimeout(source.health(), timeout, 'log source');
    return {
      key: source.key,
      status: {
        kind,
        ok: health.ok,
        description: health.description,
        version: health.version ?? null,
        error: health.ok ? null : health.error ? scrubSecrets(health.error, secretsOf(ctx.config)) : 'not healthy',
      },
    };
  } catch (error) {
    return {
      key: source?.key,
      status: { kind, ok: false, description: null, version: null, error: clean(error) },
    };
  }
}

async function probeDatabase(ctx: StatusSources, timeout: number, clean: (e: unknown) => string) {
  const driver = ctx.state.driver;
  try {
    const version = await withTimeout(ctx.state.serverVersion(), timeout, 'database');
    return { driver, ok: true, server_version: version, error: null };
  } catch (error) {
    return { driver, ok: false, server_version: null, error: clean(error) };
  }
}

async function readStateFigures(ctx: StatusSources, now: number, timeout: number) {
  const db = ctx.state.db;
  const [scan, checkpointRows, outbox] = await withTimeout(
    Promise.all([new CronLog(db).latest(), listCheckpoints(db), outboxBacklog(db)]),
    timeout,
    'database',
  );
  return {
    lastScan: scan ? toLastScan(scan) : null,
    checkpoints: checkpointRows.map((c) => ({
      source_key: c.source_key,
      watermark: iso(c.watermark),
      lag_seconds: Math.max(0, Math.round((now - c.watermark) / 1000)),
      updated_at: iso(c.updated_at),
      updatedAt: c.updated_at,
    })),
    outbox: {
      pending: outbox.pending,
      oldest_pending_age_seconds:
        outbox.oldestQueuedAt === undefined ? null : Math.max(0, Math.round((now - outbox.oldestQueuedAt) / 1000)),
    },
  };
}

function toLastScan(row: Selectable<CronLogTable>): LastScan {
  const started = Number(row.started_at);
  const finished = row.finished_at === null ? null : Number(row.finished_at);
  return {
    id: Number(row.id),
    command: row.command,
    status: row.status,
    started_at: iso(started),
    finished_at: finished === null ? null : iso(finished),
    duration_ms: finished === null ? null : finished - started,
    logs_scanned: Number(row.logs_scanned),
    violations: Number(row.violations),
    alerts: Number(row.alerts),
    error: row.error,
    host: row.host,
    pid: Number(row.pid),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
