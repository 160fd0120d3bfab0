import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listChanges } from '../../src/audit/audit-log.js';
import { RedisLease } from '../../src/scan/lease.js';
import { checkTelegramUpdates } from '../../src/telegram-updates/diagnose.js';
import { OffsetStore } from '../../src/telegram-updates/offset-store.js';
import { botIdOf, TelegramUpdatesPoller } from '../../src/telegram-updates/poller.js';
import type { DriverUnderTest } from '../support/databases.js';
import { announceSkips, driversUnderTest, redisUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import {
  deliverAll,
  FAST_PACING,
  openScanWorld,
  type ScanWorld,
  type ScanWorldOptions,
} from '../support/scan-harness/world.js';
import { type ReceivedMessage, TelegramStandIn } from '../support/telegram-stand-in.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'mute from Telegram');
const redis = redisUnderTest();

/**
 * A stand-in per test (one bot's update queue is shared by everything that polls it, as on
 * Telegram) and the worlds the test opened, closed after it.
 */
function botWorlds() {
  let standIn: TelegramStandIn | undefined;
  const opened: ScanWorld[] = [];
  beforeEach(async () => {
    standIn = await TelegramStandIn.start();
  });
  afterEach(async () => {
    for (const world of opened.splice(0)) await world.close();
    await standIn?.close();
  });
  return {
    get standIn() {
      return standIn!;
    },
    async open(driver: DriverUnderTest, options?: ScanWorldOptions) {
      const world = await openScanWorld(driver, options);
      opened.push(world);
      return world;
    },
  };
}

const buttons = (m: ReceivedMessage | undefined) => m?.replyMarkup?.inline_keyboard.flat().map((b) => b.text) ?? [];

describe.each(drivers.map((d) => [d.driver, d] as const))('mute from Telegram over %s', (_name, driver) => {
  const worlds = botWorlds();
  let seq = 0;

  async function alerted(
    env: Record<string, string> = {},
  ): Promise<{ world: ScanWorld; chatId: string; message: ReceivedMessage }> {
    const chatId = `${(Date.now() % 1_000_000) * 10 + seq++}`;
    const world = await worlds.open(driver, {
      env: {
        TELEGRAM_BOT_TOKEN: worlds.standIn.token,
        TELEGRAM_API_BASE: worlds.standIn.apiBase,
        TELEGRAM_CHAT_ID: chatId,
        ...env,
      },
      notifiers: FAST_PACING,
    });
    await world.ctx.messageRules.create(
      {
        app_name: 'checkout-api',
        message_key: 'POST /pay',
        max_duration: 800,
        alert_channels: ['telegram_chat'],
      },
      'test',
    );
    await world.ingest([
      logDocument({ time: Date.now() - 30_000, app: 'checkout-api', key: 'POST /pay', duration: 2000 }),
    ]);
    await world.services.scanner.run();
    await deliverAll(world.services);
    const [message] = worlds.standIn.messagesTo(chatId);
    return { world, chatId, message: message! };
  }

  const poller = (world: ScanWorld) =>
    new TelegramUpdatesPoller(world.ctx, world.services.lease, worlds.standIn.token, { pollTimeoutSeconds: 0 });

  it.skipIf(driver.skipReason)(
    'Mute 1 h creates one silence naming who pressed, answers, edits the keyboard; Unmute expires it',
    async () => {
      const { world, chatId, message } = await alerted();
      const { ctx, services } = world;
      expect(buttons(message)).toEqual(['Mute 1 h', 'Mute 24 h']);

      const queryId = worlds.standIn.press(message, 'Mute 1 h');
      const before = Date.now();
      const running = poller(world);
      expect(await running.pollOnce(0)).toBe(1);
      const [silence, ...others] = (await ctx.silences.list({}, { page: 1, per_page: 10 })).items;
      expect(others).toEqual([]);
      expect(silence).toMatchObject({
        app_name: 'checkout-api',
        message_key: 'POST /pay',
        created_by: 'telegram:@ann',
        active: true,
      });
      const minutes = (Date.parse(silence!.ends_at) - before) / 60_000;
      expect(minutes).toBeGreaterThan(59.9);
      expect(minutes).toBeLessThan(60.1);
      const until = silence!.ends_at.slice(11, 16);
      expect(worlds.standIn.callbackAnswers.get(queryId)?.text).toBe(
        `Muted checkout-api / POST /pay until ${until} UTC`,
      );
      // A silence ending on another day (UTC) names the day too.
      const ends = silence!.ends_at;
      const day = ends.slice(0, 10) === new Date().toISOString().slice(0, 10) ? '' : ` ${ends.slice(5, 10)}`;
      expect(buttons(message)).toEqual([`Muted by @ann until ${until}${day} UTC · Unmute`]);

      // The next notification is silenced with that silence's id.
      await world.ingest([
        logDocument({ time: Date.now() - 20_000, app: 'checkout-api', key: 'POST /pay', duration: 3000 }),
      ]);
      await services.scanner.run();
      const latest = await ctx.state.db
        .selectFrom('alert_log')
        .selectAll()
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect([latest.status, Number(latest.silence_id)]).toEqual(['silenced', silence!.id]);

      // Someone without a username unmutes: the audit log names them by user id.
      worlds.standIn.press(message, `Muted by @ann until ${until}${day} UTC · Unmute`, { id: 777, first_name: 'Bo' });
      expect(await running.pollOnce(0)).toBe(1);
      await running.stop();
      expect((await ctx.silences.get(silence!.id)).active).toBe(false);
      const audit = await listChanges(ctx.state.db, { entity: 'silence' }, { page: 1, per_page: 10 });
      expect(audit.items.map((e) => [e.action, e.entity_id, e.actor])).toEqual([
        ['delete', String(silence!.id), 'telegram:777'],
        ['create', String(silence!.id), 'telegram:@ann'],
      ]);
      expect(audit.items[1]!.after).toEqual(silence);
      expect(buttons(message)).toEqual(['Mute 1 h', 'Mute 24 h']);

      // A restarted poller starts at the stored offset: nothing is replayed.
      const stored = await new OffsetStore(ctx.state.db).nextOffset(botIdOf(worlds.standIn.token));
      expect(worlds.standIn.unconfirmedUpdates).toBe(1);
      const restarted = poller(world);
      expect(await restarted.pollOnce(0)).toBe(0);
      await restarted.stop();
      expect(worlds.standIn.polls.at(-1)?.offset).toBe(stored);
      expect(worlds.standIn.unconfirmedUpdates).toBe(0);
      expect((await ctx.silences.list({}, { page: 1, per_page: 10 })).total).toBe(1);
      expect(worlds.standIn.messagesTo(chatId)).toHaveLength(1);
    },
  );

  it.skipIf(driver.skipReason)('refuses presses from a chat that is no longer an alert destination', async () => {
    const { world, message } = await alerted();
    // The default chat is dropped from the configuration: a fresh context over the same world.
    const { ctx } = world;
    const foreign = { ...ctx, config: { ...ctx.config, telegram: { ...ctx.config.telegram, chatId: '999' } } };
    const queryId = worlds.standIn.press(message, 'Mute 24 h', { id: 7, username: 'mallory', first_name: 'M' });
    expect(await new TelegramUpdatesPoller(foreign, world.services.lease, worlds.standIn.token).pollOnce(0)).toBe(1);
    expect((await ctx.silences.list({}, { page: 1, per_page: 10 })).total).toBe(0);
    expect(worlds.standIn.callbackAnswers.get(queryId)?.text).toBe('This chat is not a lagwatch alert destination');
    expect(buttons(message)).toEqual(['Mute 1 h', 'Mute 24 h']);
  });

  it.skipIf(driver.skipReason)('TELEGRAM_UPDATES=off sends alerts without buttons', async () => {
    const { message } = await alerted({ TELEGRAM_UPDATES: 'off' });
    expect(message.replyMarkup).toBeUndefined();
  });

  it.skipIf(driver.skipReason)(
    'one poller at a time: a second process waits while the first holds the lease',
    async () => {
      const { world } = await alerted();
      const first = poller(world);
      expect(await first.pollOnce(0)).toBe(0);
      // Another process: its own poller over the same database lease.
      const second = new TelegramUpdatesPoller(world.ctx, world.services.lease, worlds.standIn.token);
      expect(await second.pollOnce(0)).toBeUndefined();
      await first.stop();
      expect(await second.pollOnce(0)).toBe(0);
      await second.stop();
    },
  );

  it.skipIf(driver.skipReason)(
    '409 Conflict (a webhook, another client) is recorded and reported by diagnose',
    async () => {
      const { world } = await alerted();
      const { ctx } = world;
      const running = poller(world);
      worlds.standIn.setWebhook('https://elsewhere.example/hook');
      try {
        await expect(running.pollOnce(0)).rejects.toThrow(/409/);
        const status = await new OffsetStore(ctx.state.db).status(botIdOf(worlds.standIn.token));
        expect(status?.lastError).toMatch(
          /^getUpdates: 409 Conflict: can't use getUpdates method while webhook is active/,
        );
        const check = await checkTelegramUpdates(ctx.config, ctx.state);
        expect(check.status).toBe('fail');
        expect(check.detail).toContain('webhook');
      } finally {
        worlds.standIn.setWebhook('');
      }
      // The webhook is gone, but until a poll succeeds diagnose shows the recorded 409.
      const diagnosed = await checkTelegramUpdates(ctx.config, ctx.state);
      expect(diagnosed).toMatchObject({ status: 'fail' });
      expect(diagnosed.detail).toMatch(/409 .*another client polls this bot/);
      expect(await running.pollOnce(0)).toBe(0);
      await running.stop();
      expect(await checkTelegramUpdates(ctx.config, ctx.state)).toMatchObject({ status: 'ok' });
    },
  );
});

describe('the getUpdates poller with the Redis lease', () => {
  const worlds = botWorlds();
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.quit();
  });

  it.skipIf(redis.skipReason)(
    'two processes: only the lease holder polls; a long poll of a second client gets 409',
    async () => {
      const sqlite = drivers.find((d) => d.driver === 'sqlite')!;
      const world = await worlds.open(sqlite, {
        env: { TELEGRAM_BOT_TOKEN: worlds.standIn.token, TELEGRAM_API_BASE: worlds.standIn.apiBase },
      });
      const prefix = `lagwatch-test:${randomBytes(6).toString('hex')}:lease:`;
      const lease = () => {
        const client = new Redis(redis.url as string);
        clients.push(client);
        return new RedisLease(client, prefix);
      };
      const a = new TelegramUpdatesPoller(world.ctx, lease(), worlds.standIn.token, { pollTimeoutSeconds: 0 });
      const b = new TelegramUpdatesPoller(world.ctx, lease(), worlds.standIn.token, { pollTimeoutSeconds: 0 });
      expect(await a.pollOnce(0)).toBe(0);
      expect(await b.pollOnce(0)).toBeUndefined();
      // What Telegram does when two clients poll anyway (a stray process without the lease).
      const cut = expect(a.pollOnce(5)).rejects.toThrow(/409 Conflict: terminated by other getUpdates request/);
      while (!worlds.standIn.hasWaitingPoll) await new Promise((resolve) => setTimeout(resolve, 10));
      const stray = await fetch(`${worlds.standIn.apiBase}/bot${worlds.standIn.token}/getUpdates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ timeout: 0 }),
      });
      expect(stray.status).toBe(200);
      await cut;
      await a.stop();
      await b.stop();
    },
  );
});
