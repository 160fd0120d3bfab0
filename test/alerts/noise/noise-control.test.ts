import { describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../../src/alerts/notification.js';
import { announceSkips, driversUnderTest } from '../../support/databases.js';
import { logDocument, type TestLog } from '../../support/log-documents.js';
import { telegramWorlds } from '../../support/scan-harness/telegram-worlds.js';
import { deliverAll, FAST_PACING, type ScanWorld } from '../../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'noise control');

describe.each(drivers.map((d) => [d.driver, d] as const))('noise control over %s', (_name, driver) => {
  const worlds = telegramWorlds();
  let chatSeq = 0;
  const chat = () => `${(Date.now() % 1_000_000) * 10 + chatSeq++}`;

  async function open(chatId: string): Promise<ScanWorld> {
    return worlds.open(driver, {
      env: {
        TELEGRAM_BOT_TOKEN: worlds.standIn.token,
        TELEGRAM_API_BASE: worlds.standIn.apiBase,
        TELEGRAM_CHAT_ID: chatId,
      },
      notifiers: FAST_PACING,
    });
  }

  const rows = async (world: ScanWorld) =>
    (await world.ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute()).map((r) => ({
      rule: `${r.rule_type}:${r.rule_id}`,
      kind: r.kind,
      status: r.status,
      reason: r.last_error,
      silence: r.silence_id === null ? null : Number(r.silence_id),
      count: Number(r.violation_count),
      payload: JSON.parse(r.payload) as AlertNotification,
    }));

  /** An hour's silence of the app 'api' (or one of its keys), created by "test". */
  const silenceOf = (world: ScanWorld, messageKey: string | null, comment: string | null) =>
    world.ctx.silences.create(
      {
        app_name: 'api',
        message_key: messageKey,
        starts_at: Date.now() - 1000,
        ends_at: Date.now() + 3_600_000,
        comment,
        created_by: 'test',
      },
      'test',
    );

  let n = 0;
  const slow = (count: number, at: number, extra: Partial<TestLog> = {}) =>
    Array.from({ length: count }, () => logDocument({ time: at, app: 'api', duration: 900 + n++, ...extra }));

  it.skipIf(driver.skipReason)(
    'a silence holds the notification back as silenced (violations still recorded); expiring it ends it at once',
    async () => {
      const chatId = chat();
      const world = await open(chatId);
      const { ctx, services } = world;
      const rule = await ctx.appRules.create(
        { app_name: 'api', max_duration: 500, alert_channels: ['telegram_chat'] },
        'test',
      );
      const silence = await silenceOf(world, null, 'deploy');
      await world.ingest(slow(3, Date.now() - 30_000));
      expect(await services.scanner.run()).toMatchObject({ violations: 3, alertsQueued: 0 });
      await deliverAll(services);
      expect(worlds.standIn.messagesTo(chatId)).toHaveLength(0);
      const recorded = await ctx.state.db.selectFrom('violations').select('id').execute();
      expect(recorded).toHaveLength(3);
      expect((await rows(world)).map((r) => [r.rule, r.status, r.silence, r.reason])).toEqual([
        [`app:${rule.id}`, 'silenced', silence.id, `silenced by silence ${silence.id} (test) until ${silence.ends_at}`],
      ]);

      const expired = await ctx.silences.expire(silence.id, 'test');
      expect(expired.active).toBe(false);
      expect(Date.parse(expired.ends_at)).toBeLessThanOrEqual(Date.now());
      await world.ingest(slow(2, Date.now() - 20_000));
      expect(await services.scanner.run()).toMatchObject({ violations: 2, alertsQueued: 1 });
      await deliverAll(services);
      const messages = worlds.standIn.messagesTo(chatId);
      expect(messages).toHaveLength(1);
      // The silenced scan did not start the cooldown nor reset the count since the last alert.
      expect(messages[0]!.visibleText).toContain('5 violations since the last alert (2 in this scan)');
    },
  );

  it.skipIf(driver.skipReason)(
    "a message key's silence holds back that message rule only; an app silence holds back both",
    async () => {
      const chatId = chat();
      const world = await open(chatId);
      const { ctx, services } = world;
      const appRule = await ctx.appRules.create(
        {
          app_name: 'api',
          max_duration: 500,
          alert_channels: ['telegram_chat'],
        },
        'test',
      );
      const exportRule = await ctx.messageRules.create(
        {
          app_name: 'api',
          message_key: 'GET /export',
          max_duration: 500,
          alert_channels: ['telegram_chat'],
        },
        'test',
      );
      const keySilence = await silenceOf(world, 'GET /export', null);
      const at = Date.now() - 30_000;
      await world.ingest([...slow(2, at, { key: 'GET /export' }), ...slow(1, at, { key: 'GET /home' })]);
      await services.scanner.run();
      const statuses = (await rows(world)).map((r) => [r.rule, r.status, r.silence]);
      expect(statuses).toEqual(
        expect.arrayContaining([
          [`message:${exportRule.id}`, 'silenced', keySilence.id],
          [`app:${appRule.id}`, 'pending', null],
        ]),
      );
      // The other app is not touched by either.
      await silenceOf(world, null, null);
      expect(
        (await ctx.silences.list({ active: true }, { page: 1, per_page: 10 })).items.map((s) => s.message_key),
      ).toEqual([null, 'GET /export']);
    },
  );

  it.skipIf(driver.skipReason)(
    'a count window holds notifications back below min_count ("below count"), then reports every violation held back',
    async () => {
      const chatId = chat();
      const world = await open(chatId);
      const { ctx, services } = world;
      const rule = await ctx.appRules.create(
        {
          app_name: 'api',
          max_duration: 500,
          alert_channels: ['telegram_chat'],
          min_count: 3,
          window_minutes: 10,
        },
        'test',
      );
      const t = Date.now() - 120_000;
      // Old violations, outside the window that ends at the newest one, do not count.
      await world.ingest(slow(5, t - 30 * 60_000));
      await world.ingest(slow(2, t));
      expect(await services.scanner.run()).toMatchObject({ violations: 7, alertsQueued: 0 });
      await world.ingest(slow(1, t + 60_000));
      expect(await services.scanner.run()).toMatchObject({ violations: 1, alertsQueued: 1 });
      await deliverAll(services);
      const log = await rows(world);
      expect(log.map((r) => [r.rule, r.status, r.reason])).toEqual([
        [`app:${rule.id}`, 'suppressed', 'below count: 2 of 3 violations in the last 10 min'],
        [`app:${rule.id}`, 'sent', null],
      ]);
      expect(log[1]!.payload.window).toEqual({ minutes: 10, count: 3 });
      // The notification reports all 8 held back since no alert was ever sent, 3 of them in the window.
      expect(log[1]!.payload.count).toBe(8);
      const [message] = worlds.standIn.messagesTo(chatId);
      expect(message!.visibleText).toContain(
        '8 violations since the last alert over the 500 ms threshold (3 in the last 10 min)',
      );
    },
  );

  it.skipIf(driver.skipReason)(
    'one resolved notification after resolve_after_minutes of scanned log time without a violation',
    async () => {
      const chatId = chat();
      const world = await open(chatId);
      const { ctx, services } = world;
      const rule = await ctx.appRules.create(
        {
          app_name: 'api',
          max_duration: 500,
          alert_channels: ['telegram_chat'],
          notify_resolved: true,
          resolve_after_minutes: 5,
        },
        'test',
      );
      const t = Date.now() - 30 * 60_000;
      await world.ingest([...slow(2, t), ...slow(2, t + 3 * 60_000)]);
      await services.scanner.run();
      // Four minutes of quiet logs: not yet.
      await world.ingest([logDocument({ time: t + 7 * 60_000, app: 'api', duration: 10 })]);
      expect(await services.scanner.run()).toMatchObject({ violations: 0, alertsQueued: 0 });
      await world.ingest([logDocument({ time: t + 9 * 60_000, app: 'api', duration: 10 })]);
      expect(await services.scanner.run()).toMatchObject({ violations: 0, alertsQueued: 1 });
      // Once only.
      await world.ingest([logDocument({ time: t + 12 * 60_000, app: 'api', duration: 10 })]);
      expect(await services.scanner.run()).toMatchObject({ alertsQueued: 0 });
      await deliverAll(services);
      const log = await rows(world);
      expect(log.map((r) => [r.rule, r.kind, r.status, r.count])).toEqual([
        [`app:${rule.id}`, 'alert', 'sent', 4],
        [`app:${rule.id}`, 'resolved', 'sent', 4],
      ]);
      expect(log[1]!.payload.resolved).toEqual({ durationMinutes: 3, violations: 4, quietMinutes: 5 });
      const messages = worlds.standIn.messagesTo(chatId);
      expect(messages).toHaveLength(2);
      expect(messages[1]!.visibleText).toContain('lagwatch: resolved');
      expect(messages[1]!.visibleText).toContain('back under 500 ms after 3 min, 4 violations');
    },
  );

  it.skipIf(driver.skipReason)('no resolved notification for a rule without notify_resolved', async () => {
    const chatId = chat();
    const world = await open(chatId);
    const { ctx, services } = world;
    await ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: ['telegram_chat'] }, 'test');
    const t = Date.now() - 30 * 60_000;
    await world.ingest(slow(2, t));
    await services.scanner.run();
    await world.ingest([logDocument({ time: t + 20 * 60_000, app: 'api', duration: 10 })]);
    expect(await services.scanner.run()).toMatchObject({ alertsQueued: 0 });
    expect((await rows(world)).map((r) => r.kind)).toEqual(['alert']);
    expect(await ctx.state.db.selectFrom('alert_episodes').selectAll().execute()).toEqual([]);
  });
});
