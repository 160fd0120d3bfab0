import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { createAppContext } from '../../src/app/create-context.js';
import { type RunningService, startService } from '../../src/app/service.js';
import { eventLogSize } from '../../src/events/event-log.js';
import { createLogger } from '../../src/logging/logger.js';
import { lagwatch } from '../support/cli.js';
import { announceSkips, type DriverUnderTest, driversUnderTest, redisUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { telegramWorlds } from '../support/scan-harness/telegram-worlds.js';
import type { ScanWorld } from '../support/scan-harness/world.js';
import { SseClient } from '../support/sse-client.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'live events across processes');
const redis = redisUnderTest();
// The CLI's Redis keys have no per-test prefix: a database number of this suite's own.
const REDIS_DB = '6';
const silent = () => createLogger({ logLevel: 'silent' });
const unique = () => randomBytes(6).toString('hex');

/** Per test: the services, extra contexts and streams it opened, closed afterwards. */
function opened() {
  const services: RunningService[] = [];
  const contexts: AppContext[] = [];
  const streams: SseClient[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    for (const s of services.splice(0)) await s.close();
    for (const c of contexts.splice(0)) await c.close();
  });
  return {
    /** `start` on the world's installation (a second call is a second instance). */
    async start(world: ScanWorld, own = false): Promise<RunningService> {
      let ctx = world.ctx;
      if (own) {
        ctx = createAppContext(world.config, silent());
        contexts.push(ctx);
      }
      const service = await startService(ctx, { port: 0, host: '127.0.0.1', intervalSeconds: 0 });
      services.push(service);
      return service;
    },
    async stream(service: RunningService): Promise<SseClient> {
      const stream = await SseClient.open(`${service.server.address}/events`);
      streams.push(stream);
      return stream;
    },
  };
}

/**
 * Publishes a marker from yet another process's bus and waits for it on every stream. Events
 * arrive in the order they were published, so once the marker is in, a repeat of an earlier
 * event would be too: counts taken afterwards show each event arrived exactly once.
 */
async function settle(world: ScanWorld, streams: SseClient[]): Promise<void> {
  const other = createAppContext(world.config, silent());
  const accepted = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  other.events.publish({ type: 'ingest', data: { accepted, rejected: 0 } });
  await other.close(); // sends what is queued first
  for (const stream of streams) await stream.waitFor('ingest', { accepted });
}

async function ingestOver(service: RunningService, documents: object[]): Promise<void> {
  const response = await fetch(`${service.server.address}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: documents.map((d) => JSON.stringify(d)).join('\n'),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}

function redisEnv(): Record<string, string> {
  const url = new URL(redis.url as string);
  return { REDIS_HOST: url.hostname, REDIS_PORT: url.port || '6379', REDIS_DB };
}

async function clearRedisKeys(): Promise<void> {
  if (!redis.url) return;
  const url = new URL(redis.url);
  const client = new Redis({ host: url.hostname, port: Number(url.port || 6379), db: Number(REDIS_DB) });
  const keys = await client.keys('lagwatch:*');
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
}

/** A cron `log:alert-scan` in its own process; its violation, scan and alert reach the stream. */
async function cronScanReachesStream(
  worlds: ReturnType<typeof telegramWorlds>,
  open: ReturnType<typeof opened>,
  driver: DriverUnderTest,
  env: Record<string, string>,
): Promise<void> {
  const chatId = `${Date.now() % 1_000_000}3`;
  const world = await worlds.open(driver, {
    env: {
      TELEGRAM_BOT_TOKEN: worlds.standIn.token,
      TELEGRAM_API_BASE: worlds.standIn.apiBase,
      TELEGRAM_CHAT_ID: chatId,
      SCAN_INTERVAL_SECONDS: '0',
      ...env,
    },
  });
  const service = await open.start(world);
  const stream = await open.stream(service);
  await world.ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: ['telegram_chat'] }, 'test');
  const correlation = `cron-${unique()}`;
  await world.ingest([
    logDocument({ time: Date.now() - 60_000, app: 'api', key: 'GET /slow', duration: 900, correlation }),
  ]);

  const result = await lagwatch(['log:alert-scan', '--json'], world.env, world.dir);
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ status: 'success', violations: 1, delivery: { sent: 1 } });

  const violation = await stream.waitFor('violation', { correlation_id: correlation });
  expect(violation.data).toMatchObject({
    rule_type: 'app',
    app_name: 'api',
    message_key: 'GET /slow',
    duration_ms: 900,
    threshold_ms: 500,
  });
  const scan = await stream.waitFor('scan', { status: 'success' });
  expect(scan.data).toMatchObject({ violations: 1, alerts: 1, error: null });
  const alert = await stream.waitFor('alert', { status: 'sent' });
  expect(alert.data).toMatchObject({ channel: 'telegram_chat', app_name: 'api', violation_count: 1 });
  expect(worlds.standIn.messagesTo(chatId)).toHaveLength(1);

  await settle(world, [stream]);
  expect(stream.matching('violation')).toHaveLength(1);
  expect(stream.matching('scan')).toHaveLength(1);
  expect(stream.matching('alert')).toHaveLength(1);
}

/** Two `start` instances on one installation: what either publishes reaches both, once. */
async function twoInstancesShareEvents(
  worlds: ReturnType<typeof telegramWorlds>,
  open: ReturnType<typeof opened>,
  driver: DriverUnderTest,
  env: Record<string, string>,
): Promise<void> {
  const world = await worlds.open(driver, { env: { SCAN_INTERVAL_SECONDS: '0', ...env } });
  const a = await open.start(world);
  const b = await open.start(world, true);
  const [onA, onB] = [await open.stream(a), await open.stream(b)];

  // An ingest on A: A reports it (its own, once) and so does B.
  const accepted = 3 + Math.floor(Math.random() * 40);
  const documents = Array.from({ length: accepted }, (_, i) =>
    logDocument({ time: Date.now() - 90_000 + i, app: 'web', duration: 10 }),
  );
  await ingestOver(a, documents);
  await onB.waitFor('ingest', { accepted, rejected: 0 });
  await onA.waitFor('ingest', { accepted, rejected: 0 });

  // A scan run by B: its violation and scan reach A.
  await world.ctx.appRules.create({ app_name: 'web', max_duration: 100, alert_channels: [] }, 'test');
  const correlation = `b-${unique()}`;
  await world.ingest([logDocument({ time: Date.now() - 60_000, app: 'web', duration: 700, correlation })]);
  const report = await b.services.scanner.run();
  expect(report).toMatchObject({ status: 'success', violations: 1 });
  await onA.waitFor('violation', { correlation_id: correlation, duration_ms: 700, threshold_ms: 100 });
  await onA.waitFor('scan', { status: 'success', violations: 1 });
  await onB.waitFor('violation', { correlation_id: correlation });

  await settle(world, [onA, onB]);
  for (const stream of [onA, onB]) {
    expect(stream.matching('ingest', { accepted })).toHaveLength(1);
    expect(stream.matching('violation', { correlation_id: correlation })).toHaveLength(1);
    expect(stream.matching('scan')).toHaveLength(1);
  }
  expect(a.server.address).not.toBe(b.server.address);
  // The events went the configured way: the event_log table only without Redis.
  const transport = env.REDIS_HOST ? 'redis' : 'database';
  const status = world.ctx.events.status();
  expect(status).toMatchObject({ transport, receiving: true, failed: 0, last_error: null });
  expect(status.published).toBeGreaterThanOrEqual(1); // the ingest
  // B's violation and scan, the marker (on Redis, another suite's events could add to it).
  if (transport === 'database') expect(status.received).toBe(3);
  else expect(status.received).toBeGreaterThanOrEqual(3);
  const { rows } = await eventLogSize(world.ctx.state.db);
  if (transport === 'redis') expect(rows).toBe(0);
  else expect(rows).toBeGreaterThanOrEqual(4);
}

describe.each(drivers)('live events through the state database ($driver)', (driver) => {
  const worlds = telegramWorlds();
  const open = opened();

  it.skipIf(driver.skipReason)(
    "a cron scan in another process: the running server's /events reports its violation, scan and alert",
    { timeout: 120_000 },
    () => cronScanReachesStream(worlds, open, driver, {}),
  );

  it.skipIf(driver.skipReason)(
    'two instances on one state database: an event published on one arrives on the other exactly once',
    { timeout: 60_000 },
    () => twoInstancesShareEvents(worlds, open, driver, {}),
  );
});

describe('live events through Redis pub/sub', () => {
  const sqlite = drivers.find((d) => d.driver === 'sqlite')!;
  const worlds = telegramWorlds();
  const open = opened();
  afterEach(clearRedisKeys);

  it.skipIf(redis.skipReason)(
    "a cron scan in another process: the running server's /events reports its violation, scan and alert",
    { timeout: 120_000 },
    () => cronScanReachesStream(worlds, open, sqlite, redisEnv()),
  );

  it.skipIf(redis.skipReason)(
    'two instances on one Redis: an event published on one arrives on the other exactly once',
    { timeout: 60_000 },
    async () => {
      await twoInstancesShareEvents(worlds, open, sqlite, redisEnv());
    },
  );
});
