import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type CooldownStore, DatabaseCooldowns, RedisCooldowns } from '../../../src/alerts/cooldown.js';
import type { AlertNotification } from '../../../src/alerts/notification.js';
import { DatabaseLease, type Lease, RedisLease } from '../../../src/scan/lease.js';
import { Scanner } from '../../../src/scan/scanner.js';
import { announceSkips, driversUnderTest, redisUnderTest } from '../../support/databases.js';
import { logDocument, type TestLog } from '../../support/log-documents.js';
import { expectedViolations, recordedViolations, seeded, violationKeys } from '../../support/scan-harness/logs.js';
import { telegramWorlds } from '../../support/scan-harness/telegram-worlds.js';
import { deliverAll, FAST_PACING, type ScanWorld } from '../../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'alert queue');
const redis = redisUnderTest();
if (redis.skipReason) console.warn(`[alert queue] SKIPPED Redis cooldown suite: ${redis.skipReason}`);

/** Nearest-rank percentile, independent of the code under test. */
const nearestRank = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
};

describe.each(drivers.map((d) => [d.driver, d] as const))('alert queue over %s', (_name, driver) => {
  const worlds = telegramWorlds();
  let world: ScanWorld | undefined;

  const telegramEnv = (chatId: string) => ({
    TELEGRAM_BOT_TOKEN: worlds.standIn.token,
    TELEGRAM_API_BASE: worlds.standIn.apiBase,
    TELEGRAM_CHAT_ID: chatId,
  });

  it.skipIf(driver.skipReason)(
    'groups a scan into one notification per rule and target, across many batches',
    async () => {
      const chat = `${Date.now() % 1_000_000}1`;
      const opsChat = `${Date.now() % 1_000_000}2`;
      world = await worlds.open(driver, {
        env: { SCAN_BATCH_SIZE: '10', ...telegramEnv(chat) },
        notifiers: FAST_PACING,
      });
      const { ctx } = world;
      const api = await ctx.appRules.create(
        { app_name: 'api', max_duration: 500, alert_channels: ['telegram_chat'] },
        'test',
      );
      const worker = await ctx.appRules.create(
        {
          app_name: 'worker',
          max_duration: 1000,
          alert_channels: ['telegram_chat'],
        },
        'test',
      );
      await ctx.targets.create({ name: 'ops', type: 'telegram_chat', external_id: opsChat, is_active: true }, 'test');

      const random = seeded(7);
      const t0 = Date.now() - 600_000;
      const logs: TestLog[] = [];
      for (let i = 0; i < 200; i++) {
        const app = i % 3 === 0 ? 'worker' : 'api';
        const slow = random() < 0.3;
        const d = app === 'api' ? (slow ? 501 + Math.floor(random() * 4000) : 100) : slow ? 1001 + i : 900;
        logs.push({ time: t0 + i * 100, app, key: `job-${i % 5}`, duration: d, correlation: `c-${i}` });
      }
      await world.ingest(logs.map(logDocument));
      const expected = expectedViolations(logs, {
        app: [
          { id: api.id, app: 'api', max: 500 },
          { id: worker.id, app: 'worker', max: 1000 },
        ],
        message: [],
      });

      let batches = 0;
      const report = await world.services.scanner.run({
        onProgress: (p) => {
          batches = p.batches;
        },
      });
      expect(report.status).toBe('success');
      expect(batches).toBeGreaterThan(5);
      expect(report.violations).toBe(expected.length);
      expect(report.alertsQueued).toBe(4);

      const rows = await ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
      expect(rows).toHaveLength(4);
      for (const rule of [api, worker]) {
        const mine = expected.filter((v) => v.ruleId === rule.id);
        const durations = mine.map((v) => logs[v.index]!.duration!);
        const ruleRows = rows.filter((r) => r.app_name === rule.app_name);
        expect(ruleRows.map((r) => r.destination).sort()).toEqual([chat, opsChat].sort());
        for (const row of ruleRows) {
          expect(row.status).toBe('pending');
          expect(Number(row.violation_count)).toBe(mine.length);
          const payload = JSON.parse(row.payload) as AlertNotification;
          expect(payload).toMatchObject({
            count: mine.length,
            worstMs: Math.max(...durations),
            p95Ms: nearestRank(durations, 95),
            thresholdMs: rule.max_duration,
            firstAt: Math.min(...mine.map((v) => logs[v.index]!.time)),
            lastAt: Math.max(...mine.map((v) => logs[v.index]!.time)),
          });
        }
      }

      await deliverAll(world.services);
      for (const chatId of [chat, opsChat]) {
        const texts = worlds.standIn.messagesTo(chatId).map((m) => m.visibleText);
        expect(texts).toHaveLength(2);
        for (const rule of [api, worker]) {
          const count = expected.filter((v) => v.ruleId === rule.id).length;
          expect(texts.filter((t) => t.includes(`App: ${rule.app_name}`))).toEqual([
            expect.stringContaining(`${count} violations over the`),
          ]);
        }
      }
      const again = await world.services.scanner.run();
      expect(again).toMatchObject({ status: 'success', violations: 0, alertsQueued: 0 });
    },
  );

  it.skipIf(driver.skipReason)('judges each log by the deciding rule: message rule over app rule', async () => {
    world = await worlds.open(driver);
    const { ctx } = world;
    const channels = ['telegram_chat'] as const;
    const app = await ctx.appRules.create(
      { app_name: 'api', max_duration: 500, alert_channels: [...channels] },
      'test',
    );
    const exportRule = await ctx.messageRules.create(
      {
        app_name: 'api',
        message_key: 'GET /export',
        max_duration: 2000,
        alert_channels: [...channels],
      },
      'test',
    );
    const oldRule = await ctx.messageRules.create(
      {
        app_name: 'api',
        message_key: 'GET /old',
        max_duration: 100,
        is_active: false,
        alert_channels: [...channels],
      },
      'test',
    );
    await ctx.appRules.create(
      {
        app_name: 'worker',
        max_duration: 300,
        is_active: false,
        alert_channels: [...channels],
      },
      'test',
    );
    const t = Date.now() - 60_000;
    const logs: TestLog[] = [
      { time: t, app: 'api', key: 'GET /export', duration: 1500 }, // the message rule decides: under 2000
      { time: t, app: 'api', key: 'GET /export', duration: 2500 }, // message violation
      { time: t, app: 'api', key: 'GET /export', duration: 2000 }, // equal is not over
      { time: t, app: 'api', key: 'GET /home', duration: 800 }, // app violation
      { time: t, app: 'api', key: 'GET /home', duration: 500 },
      { time: t, app: 'api', key: 'GET /old', duration: 300 }, // inactive message rule: the app rule decides
      { time: t, app: 'api', key: 'GET /old', duration: 700 }, // app violation
      { time: t, app: 'api', duration: 900 }, // no message key: app violation
      { time: t, app: 'worker', duration: 5000 }, // only an inactive rule
      { time: t, app: 'api', key: 'GET /home' }, // no duration
      { time: t, app: 'nobody', duration: 1e9 },
    ];
    await world.ingest(logs.map(logDocument));
    const report = await world.services.scanner.run();
    expect(report.violations).toBe(4);
    const oracle = expectedViolations(logs, {
      app: [
        { id: app.id, app: 'api', max: 500 },
        { id: 99, app: 'worker', max: 300, active: false },
      ],
      message: [
        { id: exportRule.id, app: 'api', key: 'GET /export', max: 2000 },
        { id: oldRule.id, app: 'api', key: 'GET /old', max: 100, active: false },
      ],
    });
    expect(oracle.map((v) => v.index)).toEqual([1, 3, 6, 7]);
    expect(await recordedViolations(ctx.state.db)).toEqual(violationKeys(oracle, (await world.services.source()).key));
    const rows = await ctx.state.db
      .selectFrom('violations')
      .select(['rule_type', 'duration_ms', 'threshold_ms', 'message_key'])
      .orderBy('duration_ms')
      .execute();
    expect(rows.map((r) => [r.rule_type, Number(r.duration_ms), Number(r.threshold_ms), r.message_key])).toEqual([
      ['app', 700, 500, 'GET /old'],
      ['app', 800, 500, 'GET /home'],
      ['app', 900, 500, null],
      ['message', 2500, 2000, 'GET /export'],
    ]);
    // No target configured: each rule's notification is kept as a suppressed row that says why.
    const alerts = await ctx.state.db.selectFrom('alert_log').selectAll().orderBy('rule_type').execute();
    expect(alerts.map((a) => [a.rule_type, a.status, Number(a.violation_count), a.last_error])).toEqual([
      ['app', 'suppressed', 3, 'no active target for telegram_chat'],
      ['message', 'suppressed', 1, 'no active target for telegram_chat'],
    ]);
  });

  it.skipIf(driver.skipReason)(
    '"since the last alert" counts only what the last alert did not report, after a scan of many batches',
    async () => {
      // A clock that moves on every reading, as a real one does between batches.
      let clock = Date.now();
      const now = () => clock++;
      const chat = `${Date.now() % 1_000_000}4`;
      world = await worlds.open(driver, {
        env: { SCAN_BATCH_SIZE: '10', ...telegramEnv(chat) },
        notifiers: FAST_PACING,
        now,
      });
      const { ctx, services } = world;
      await ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: ['telegram_chat'] }, 'test');
      const slow = (count: number, from: number) =>
        Array.from({ length: count }, (_, i) =>
          logDocument({ time: Date.now() - 60_000 + from + i, app: 'api', duration: 600 + i }),
        );
      await world.ingest(slow(35, 0));
      expect(await services.scanner.run()).toMatchObject({ violations: 35, alertsQueued: 1 });
      await services.outbox.deliverDue();
      await world.ingest(slow(2, 100));
      expect(await services.scanner.run()).toMatchObject({ violations: 2, alertsQueued: 1 });
      await services.outbox.deliverDue();
      const payloads = (await ctx.state.db.selectFrom('alert_log').select('payload').orderBy('id').execute()).map(
        (r) => JSON.parse(r.payload) as AlertNotification,
      );
      expect(payloads.map((p) => [p.count, p.sinceLastAlert])).toEqual([
        [35, 35],
        [2, 2],
      ]);
      const texts = worlds.standIn.messagesTo(chat).map((m) => m.visibleText);
      expect(texts[1]).toContain('2 violations over the 500 ms threshold');
    },
  );

  describe.each([
    ['database', false],
    ['Redis', true],
  ] as const)('cooldown across scans with the %s store', (_store, useRedis) => {
    // Redis holds only the cooldowns: one database beside it is enough.
    const redisSkip = driver.driver === 'sqlite' ? redis.skipReason : 'Redis cooldowns run over SQLite only';
    const skip = driver.skipReason ?? (useRedis ? redisSkip : undefined);
    let client: Redis | undefined;
    afterEach(async () => {
      await client?.quit();
      client = undefined;
    });

    it.skipIf(skip)(
      'records violations in cooldown, logs them as suppressed and counts them into the next alert',
      async () => {
        let clock = Date.now();
        const now = () => clock;
        const chat = `${Date.now() % 1_000_000}3`;
        world = await worlds.open(driver, { env: telegramEnv(chat), notifiers: FAST_PACING, now });
        const { ctx, services } = world;
        let lease: Lease = new DatabaseLease(ctx.state.db, now);
        let cooldowns: CooldownStore = new DatabaseCooldowns();
        if (useRedis) {
          client = new Redis(redis.url as string);
          const prefix = `lagwatch-test:${randomBytes(6).toString('hex')}:`;
          lease = new RedisLease(client, `${prefix}lease:`);
          cooldowns = new RedisCooldowns(client, `${prefix}cooldown:`);
        }
        const scanner = new Scanner({ ctx, source: services.source, lease, cooldowns, now });
        const rule = await ctx.appRules.create(
          {
            app_name: 'api',
            max_duration: 500,
            alert_channels: ['telegram_chat'],
            cooldown_minutes: 10,
          },
          'test',
        );
        let n = 0;
        const slowLogs = (count: number) =>
          Array.from({ length: count }, () => logDocument({ time: clock - 1000, app: 'api', duration: 600 + n++ }));
        const statuses = async () =>
          (await ctx.state.db.selectFrom('alert_log').select(['status', 'last_error']).orderBy('id').execute()).map(
            (r) => `${r.status}${r.last_error ? ` (${r.last_error})` : ''}`,
          );

        await world.ingest(slowLogs(3));
        expect(await scanner.run()).toMatchObject({ violations: 3, alertsQueued: 1 });
        await services.outbox.deliverDue();
        expect(worlds.standIn.messagesTo(chat)).toHaveLength(1);

        for (const count of [2, 1]) {
          clock += 60_000;
          await world.ingest(slowLogs(count));
          expect(await scanner.run()).toMatchObject({ status: 'success', violations: count, alertsQueued: 0 });
          await services.outbox.deliverDue();
        }
        expect(await statuses()).toEqual(['sent', 'suppressed (in cooldown)', 'suppressed (in cooldown)']);
        expect(worlds.standIn.messagesTo(chat)).toHaveLength(1);

        clock += 10 * 60_000;
        await world.ingest(slowLogs(4));
        expect(await scanner.run()).toMatchObject({ violations: 4, alertsQueued: 1 });
        await services.outbox.deliverDue();
        expect(await statuses()).toEqual(['sent', 'suppressed (in cooldown)', 'suppressed (in cooldown)', 'sent']);
        const messages = worlds.standIn.messagesTo(chat);
        expect(messages).toHaveLength(2);
        expect(messages[1]!.visibleText).toContain('7 violations since the last alert (4 in this scan)');
        const counted = await ctx.state.db
          .selectFrom('violations')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('rule_id', '=', rule.id)
          .executeTakeFirstOrThrow();
        expect(Number(counted.n)).toBe(10);
      },
    );
  });
});
