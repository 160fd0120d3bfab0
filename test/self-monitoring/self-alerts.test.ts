import { hostname } from 'node:os';
import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAlertRows } from '../../src/alerts/alert-log.js';
import type { AlertNotification } from '../../src/alerts/notification.js';
import { secretsOf } from '../../src/config/redact.js';
import type { AlertLogTable } from '../../src/db/schema.js';
import { createLogger } from '../../src/logging/logger.js';
import { CronLog } from '../../src/scan/cron-log.js';
import { SelfMonitor } from '../../src/self-monitoring/self-monitor.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { telegramWorlds } from '../support/scan-harness/telegram-worlds.js';
import { startWebhookReceiver } from '../support/scan-harness/webhook-receiver.js';
import { deliverAll, FAST_PACING, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'self-alerts');

const T0 = Date.parse('2026-12-06T10:00:00Z');
const MIN = 60_000;
const SECRET = 'hunter2-es-password';

/** A clock the test moves by hand; the world's outbox and scanner read it too. */
function manualClock() {
  let at = T0;
  return {
    now: () => at,
    set(ms: number) {
      at = ms;
    },
  };
}

/** A self-monitor as a process builds it: a new one is a restarted lagwatch. */
function monitorOf(world: ScanWorld, now: () => number): SelfMonitor {
  return new SelfMonitor({
    db: world.ctx.state.db,
    config: world.config,
    targets: world.ctx.targets,
    silences: world.ctx.silences,
    secrets: secretsOf(world.config),
    logger: createLogger({ logLevel: 'silent' }),
    now,
  });
}

async function selfRows(world: ScanWorld) {
  const rows = await world.ctx.state.db
    .selectFrom('alert_log')
    .selectAll()
    .where('rule_type', '=', 'self')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...row, notification: JSON.parse(row.payload) as AlertNotification }));
}

async function scanRun(world: ScanWorld, at: number, status: 'success' | 'failed', error: string | null = null) {
  const cron = new CronLog(world.ctx.state.db, () => at);
  const id = await cron.start('log:alert-scan');
  await cron.finish(id, { status, logs_scanned: 0, violations: 0, alerts: 0, error });
}

/** A notification row as a rule's scan queues it, to one destination. */
function queuedRow(channel: string, destination: string, createdAt: number): Insertable<AlertLogTable> {
  return {
    rule_type: 'app',
    rule_id: 1,
    app_name: 'checkout',
    message_key: null,
    channel,
    destination,
    target_id: null,
    status: 'pending',
    kind: 'alert',
    silence_id: null,
    attempts: 0,
    next_attempt_at: createdAt,
    last_error: null,
    violation_count: 1,
    payload: JSON.stringify({
      kind: 'alert',
      ruleType: 'app',
      ruleId: 1,
      app: 'checkout',
      messageKey: null,
      thresholdMs: 500,
      count: 1,
      sinceLastAlert: 1,
      worstMs: 900,
      p95Ms: 900,
      firstAt: createdAt,
      lastAt: createdAt,
      samples: [],
      dashboardUrl: 'http://lagwatch.test:9501/',
    } satisfies AlertNotification),
    created_at: createdAt,
    updated_at: createdAt,
    sent_at: null,
    scan_id: null,
    progress: null,
    claimed_by: null,
  };
}

describe.each(drivers.map((d) => [d.driver, d] as const))('self-alerts over %s', (_name, driver) => {
  const worlds = telegramWorlds();
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    hooks = await startWebhookReceiver();
  });
  afterAll(async () => {
    await hooks.close();
  });

  const telegramEnv = () => ({
    TELEGRAM_BOT_TOKEN: worlds.standIn.token,
    TELEGRAM_API_BASE: worlds.standIn.apiBase,
    ELASTICSEARCH_PASSWORD: SECRET,
    SELF_ALERT_AFTER_MINUTES: '5',
  });

  it.skipIf(driver.skipReason)(
    'scans failing for 5 min: one alert (not again after a restart), one resolved when a scan succeeds',
    async () => {
      const clock = manualClock();
      const chat = '7201';
      const world = await worlds.open(driver, {
        env: { ...telegramEnv(), TELEGRAM_CHAT_ID: chat, SELF_ALERT_CHANNELS: 'webhook' },
        notifiers: FAST_PACING,
        now: clock.now,
      });
      const hook = await world.ctx.targets.create(
        {
          name: 'ops hook',
          type: 'webhook',
          external_id: `${hooks.url}/self-${driver.driver}`,
          is_active: true,
        },
        'test',
      );
      const hooksBefore = hooks.received.length;
      const error = `log source unavailable: connect ECONNREFUSED 127.0.0.1:9200 (password ${SECRET})`;
      await scanRun(world, T0, 'failed', error);
      await scanRun(world, T0 + 2 * MIN, 'failed', error);

      const monitor = monitorOf(world, clock.now);
      clock.set(T0 + 5 * MIN - 1);
      expect(await monitor.evaluate()).toEqual({ alerted: [], resolved: [], queued: 0 });
      clock.set(T0 + 5 * MIN);
      expect(await monitor.evaluate()).toEqual({ alerted: ['scans_failing'], resolved: [], queued: 2 });

      const alerts = await selfRows(world);
      expect(alerts.map((r) => [r.kind, r.status, r.channel, r.target_id])).toEqual([
        ['alert', 'pending', 'telegram_chat', null],
        ['alert', 'pending', 'webhook', hook.id],
      ]);
      const sentence = alerts[0]!.notification.sentence!;
      expect(sentence).toContain('every scan has failed since 10:00 UTC (5 min), 2 runs');
      expect(sentence).toContain('ECONNREFUSED 127.0.0.1:9200');
      expect(alerts[0]!.payload).not.toContain(SECRET);

      // Every later evaluation, and a restarted process, finds it told already.
      clock.set(T0 + 6 * MIN);
      await scanRun(world, T0 + 6 * MIN, 'failed', error);
      expect((await monitor.evaluate()).alerted).toEqual([]);
      expect((await monitorOf(world, clock.now).evaluate()).alerted).toEqual([]);
      expect(await selfRows(world)).toHaveLength(2);

      await deliverAll(world.services);
      const told = worlds.standIn.messagesTo(chat);
      expect(told).toHaveLength(1);
      expect(told[0]!.visibleText).toContain('every scan has failed since 10:00 UTC');
      expect(told[0]!.visibleText).not.toContain(SECRET);
      const hookBodies = hooks.received.slice(hooksBefore).map((h) => JSON.parse(h.body));
      expect(hookBodies).toHaveLength(1);
      expect(hookBodies[0]).toMatchObject({ kind: 'alert', rule: { type: 'self' }, app: 'lagwatch' });
      expect(hookBodies[0].text).toContain('every scan has failed');

      clock.set(T0 + 8 * MIN);
      await scanRun(world, T0 + 7 * MIN, 'success');
      expect(await monitorOf(world, clock.now).evaluate()).toEqual({
        alerted: [],
        resolved: ['scans_failing'],
        queued: 2,
      });
      expect((await monitor.evaluate()).resolved).toEqual([]);
      const resolved = (await selfRows(world)).filter((r) => r.kind === 'resolved');
      expect(resolved.map((r) => r.channel)).toEqual(['telegram_chat', 'webhook']);
      expect(resolved[0]!.notification.ruleId).toBe(alerts[0]!.notification.ruleId);
      await deliverAll(world.services);
      expect(worlds.standIn.messagesTo(chat).map((m) => m.visibleText)).toEqual([
        expect.stringContaining('every scan has failed'),
        expect.stringContaining('lagwatch scans succeed again, after 8 min (since 10:00 UTC) of failures'),
      ]);
    },
  );

  it.skipIf(driver.skipReason)('three evaluators at once: one alert', async () => {
    const clock = manualClock();
    const world = await worlds.open(driver, { env: { ...telegramEnv(), TELEGRAM_CHAT_ID: '7202' }, now: clock.now });
    await scanRun(world, T0, 'failed', 'log source unavailable: timeout');
    clock.set(T0 + 6 * MIN);
    const reports = await Promise.all([1, 2, 3].map(() => monitorOf(world, clock.now).evaluate()));
    expect(reports.flatMap((r) => r.alerted)).toEqual(['scans_failing']);
    expect((await selfRows(world)).map((r) => [r.kind, r.channel])).toEqual([['alert', 'telegram_chat']]);
  });

  it.skipIf(driver.skipReason)(
    'a channel whose every send failed for 5 min is told on the other channel only, and resolved when it sends again',
    async () => {
      const clock = manualClock();
      const chat = '7203';
      const group = '-1007203';
      const world = await worlds.open(driver, {
        env: { ...telegramEnv(), TELEGRAM_CHAT_ID: chat, TELEGRAM_GROUP_ID: group },
        notifiers: FAST_PACING,
        now: clock.now,
      });
      const db = world.ctx.state.db;
      await insertAlertRows(db, [queuedRow('telegram_chat', chat, T0), queuedRow('telegram_group', group, T0 + 1)]);
      worlds.standIn.failNext(1, { error_code: 400, description: 'Bad Request: chat not found' }, chat);
      clock.set(T0 + 1);
      await world.services.outbox.deliverDue();
      expect(worlds.standIn.messagesTo(group)).toHaveLength(1);

      const monitor = monitorOf(world, clock.now);
      clock.set(T0 + 4 * MIN);
      expect((await monitor.evaluate()).alerted).toEqual([]);
      clock.set(T0 + 5 * MIN);
      expect((await monitor.evaluate()).alerted).toEqual(['channel_failing:TELEGRAM_CHAT_ID']);
      const alerts = await selfRows(world);
      expect(alerts.map((r) => [r.kind, r.channel, r.destination])).toEqual([['alert', 'telegram_group', group]]);
      expect(alerts[0]!.notification.sentence).toMatch(
        /^lagwatch cannot deliver to TELEGRAM_CHAT_ID \(telegram_chat 7203\): every send has failed since 10:00 UTC \(5 min\); last error: .*chat not found/,
      );
      await deliverAll(world.services);
      expect(worlds.standIn.messagesTo(group)).toHaveLength(2);
      expect(worlds.standIn.messagesTo(chat)).toHaveLength(0);
      expect((await monitorOf(world, clock.now).evaluate()).alerted).toEqual([]);

      // The chat takes messages again.
      clock.set(T0 + 9 * MIN);
      await insertAlertRows(db, [queuedRow('telegram_chat', chat, T0 + 9 * MIN)]);
      await world.services.outbox.deliverDue();
      expect(worlds.standIn.messagesTo(chat)).toHaveLength(1);
      expect(await monitor.evaluate()).toMatchObject({ resolved: ['channel_failing:TELEGRAM_CHAT_ID'] });
      const resolved = (await selfRows(world)).filter((r) => r.kind === 'resolved');
      expect(resolved.map((r) => [r.channel, r.destination])).toEqual([['telegram_group', group]]);
      expect(resolved[0]!.notification.sentence).toContain('delivers again');
      await deliverAll(world.services);
      expect(worlds.standIn.messagesTo(chat)).toHaveLength(1);
      expect(worlds.standIn.messagesTo(group).at(-1)?.visibleText).toContain('resolved');
    },
  );

  it.skipIf(driver.skipReason)(
    'a scan lease left by a holder that stopped renewing: one alert after 5 min, resolved once it is taken',
    async () => {
      const clock = manualClock();
      const world = await worlds.open(driver, { env: { ...telegramEnv(), TELEGRAM_CHAT_ID: '7204' }, now: clock.now });
      const db = world.ctx.state.db;
      await db
        .insertInto('leases')
        .values({ name: 'scan:embedded:self-test', holder: 'elsewhere.example:4242:abc123', expires_at: T0 })
        .execute();
      // A holder on this host whose process is gone; far above any pid (pid_max is at most 2^22).
      await db
        .insertInto('leases')
        .values({ name: 'scan:embedded:gone', holder: `${hostname()}:${2 ** 22 + 17}:dead01`, expires_at: T0 + 1 })
        .execute();
      // Another lease (the Telegram poller's) is none of the scan lease's business.
      await db
        .insertInto('leases')
        .values({ name: 'telegram-updates:1', holder: 'elsewhere.example:1:abc', expires_at: T0 - 60 * MIN })
        .execute();
      const monitor = monitorOf(world, clock.now);
      clock.set(T0 + 4 * MIN);
      expect((await monitor.evaluate()).alerted).toEqual([]);
      clock.set(T0 + 5 * MIN);
      expect((await monitor.evaluate()).alerted).toEqual(['scan_lease_stale:embedded:self-test']);
      const [alert] = await selfRows(world);
      expect(alert!.notification.sentence).toBe(
        'lagwatch is not scanning: the scan lease of embedded:self-test is stale since 10:00 UTC (5 min), held by elsewhere.example:4242:abc123, not renewed since it expired',
      );
      clock.set(T0 + 5 * MIN + 1);
      expect((await monitor.evaluate()).alerted).toEqual(['scan_lease_stale:embedded:gone']);
      expect((await selfRows(world))[1]!.notification.sentence).toContain('that process is gone');
      expect((await monitorOf(world, clock.now).evaluate()).alerted).toEqual([]);

      // A scanner takes the lease over and gives it back when done.
      await db.deleteFrom('leases').where('name', '=', 'scan:embedded:gone').execute();
      await db.deleteFrom('leases').where('name', '=', 'scan:embedded:self-test').execute();
      clock.set(T0 + 7 * MIN);
      expect((await monitor.evaluate()).resolved).toEqual([
        'scan_lease_stale:embedded:self-test',
        'scan_lease_stale:embedded:gone',
      ]);
      expect((await selfRows(world)).map((r) => [r.kind, r.message_key])).toEqual([
        ['alert', 'scan_lease_stale:embedded:self-test'],
        ['alert', 'scan_lease_stale:embedded:gone'],
        ['resolved', 'scan_lease_stale:embedded:self-test'],
        ['resolved', 'scan_lease_stale:embedded:gone'],
      ]);
    },
  );

  it.skipIf(driver.skipReason || driver.driver !== 'sqlite')(
    'scans that recovered and failed again between two evaluations: resolved, then told anew',
    async () => {
      const clock = manualClock();
      const world = await worlds.open(driver, { env: { ...telegramEnv(), TELEGRAM_CHAT_ID: '7207' }, now: clock.now });
      const monitor = monitorOf(world, clock.now);
      await scanRun(world, T0, 'failed', 'first outage');
      clock.set(T0 + 5 * MIN);
      expect((await monitor.evaluate()).alerted).toEqual(['scans_failing']);
      await scanRun(world, T0 + 6 * MIN, 'success');
      await scanRun(world, T0 + 7 * MIN, 'failed', 'second outage');
      clock.set(T0 + 12 * MIN);
      expect(await monitor.evaluate()).toEqual({ alerted: ['scans_failing'], resolved: ['scans_failing'], queued: 2 });
      const rows = await selfRows(world);
      expect(rows.map((r) => [r.kind, r.notification.sentence])).toEqual([
        ['alert', expect.stringContaining('first outage')],
        ['resolved', expect.stringContaining('scans succeed again')],
        ['alert', expect.stringContaining('since 10:07 UTC (5 min), 1 run; last error: second outage')],
      ]);
    },
  );

  it.skipIf(driver.skipReason || driver.driver !== 'sqlite')(
    'SELF_ALERT_AFTER_MINUTES=0 turns self-alerts off',
    async () => {
      const clock = manualClock();
      const world = await worlds.open(driver, {
        env: { ...telegramEnv(), TELEGRAM_CHAT_ID: '7206', SELF_ALERT_AFTER_MINUTES: '0' },
        now: clock.now,
      });
      await scanRun(world, T0, 'failed', 'boom');
      clock.set(T0 + 60 * MIN);
      expect(await monitorOf(world, clock.now).evaluate()).toEqual({ alerted: [], resolved: [], queued: 0 });
      expect(await selfRows(world)).toEqual([]);
    },
  );
});
