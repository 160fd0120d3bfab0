import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { botIdOf, TelegramUpdatesPoller } from '../../src/telegram-updates/poller.js';
import { checkPress } from '../../src/telegram-updates/press-binding.js';
import type { DriverUnderTest } from '../support/databases.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { deliverAll, FAST_PACING, openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { type ReceivedMessage, TelegramStandIn } from '../support/telegram-stand-in.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'Telegram press binding');

const buttons = (m: ReceivedMessage) => m.replyMarkup?.inline_keyboard.flat() ?? [];
const dataOf = (m: ReceivedMessage, text: string) => buttons(m).find((b) => b.text === text)?.callback_data ?? '';

describe.each(drivers.map((d) => [d.driver, d] as const))(
  'a Telegram press acts only on its own message over %s',
  (_name, driver) => {
    let standIn: TelegramStandIn;
    const opened: ScanWorld[] = [];
    let seq = 0;
    beforeEach(async () => {
      standIn = await TelegramStandIn.start();
    });
    afterEach(async () => {
      for (const world of opened.splice(0)) await world.close();
      await standIn.close();
    });

    /**
     * Chat A gets the alerts of `checkout` and `search`, group B only those of `billing`; each
     * alert is one message with Mute buttons.
     */
    async function alerted(d: DriverUnderTest) {
      const unique = (Date.now() % 1_000_000) * 10 + seq++;
      const chatId = String(unique);
      const groupId = `-100${unique}`;
      const world = await openScanWorld(d, {
        env: {
          TELEGRAM_BOT_TOKEN: standIn.token,
          TELEGRAM_API_BASE: standIn.apiBase,
          TELEGRAM_CHAT_ID: chatId,
          TELEGRAM_GROUP_ID: groupId,
        },
        notifiers: FAST_PACING,
      });
      opened.push(world);
      const { ctx } = world;
      for (const app of ['checkout', 'search']) {
        await ctx.appRules.create({ app_name: app, max_duration: 500, alert_channels: ['telegram_chat'] }, 'test');
      }
      await ctx.appRules.create({ app_name: 'billing', max_duration: 500, alert_channels: ['telegram_group'] }, 'test');
      await world.ingest(
        ['checkout', 'search', 'billing'].map((app) => logDocument({ time: Date.now() - 30_000, app, duration: 900 })),
      );
      await world.services.scanner.run();
      await deliverAll(world.services);
      const rowOf = async (app: string) =>
        Number(
          (
            await ctx.state.db
              .selectFrom('alert_log')
              .select('id')
              .where('app_name', '=', app)
              .executeTakeFirstOrThrow()
          ).id,
        );
      const messageOf = (chat: string, app: string) => {
        const found = standIn.messagesTo(chat).find((m) => m.visibleText.includes(app));
        if (!found) throw new Error(`no alert message for ${app} in ${chat}`);
        return found;
      };
      return {
        world,
        chatId,
        groupId,
        rows: { checkout: await rowOf('checkout'), search: await rowOf('search'), billing: await rowOf('billing') },
        messages: {
          checkout: messageOf(chatId, 'checkout'),
          search: messageOf(chatId, 'search'),
          billing: messageOf(groupId, 'billing'),
        },
      };
    }

    const poll = async (world: ScanWorld) => {
      const poller = new TelegramUpdatesPoller(world.ctx, world.services.lease, standIn.token, {
        pollTimeoutSeconds: 0,
      });
      try {
        return await poller.pollOnce(0);
      } finally {
        await poller.stop();
      }
    };
    const silences = async (world: ScanWorld) => (await world.ctx.silences.list({}, { page: 1, per_page: 50 })).items;

    it.skipIf(driver.skipReason)(
      'forged data naming an alert of another group, pressed in chat A, is refused and silences nothing',
      async () => {
        const { world, rows, messages } = await alerted(driver);
        const before = structuredClone(messages.checkout.replyMarkup);
        const queryId = standIn.pressWithData(messages.checkout, `mute:${rows.billing}:1440`, {
          id: 66,
          username: 'mallory',
          first_name: 'M',
        });
        expect(await poll(world)).toBe(1);
        expect(standIn.callbackAnswers.get(queryId)?.text).toBe(
          'This button does not belong to this message: nothing was changed',
        );
        expect(await silences(world)).toEqual([]);
        expect(messages.checkout.replyMarkup).toEqual(before);
        expect(messages.billing.markupEdits).toEqual([]);

        // Data that is no button of lagwatch's at all is answered too (the client stops waiting).
        const junk = standIn.pressWithData(messages.checkout, 'mute:1:5');
        expect(await poll(world)).toBe(1);
        expect(standIn.callbackAnswers.get(junk)?.text).toBe('This button no longer works');
        expect(await silences(world)).toEqual([]);
      },
    );

    it.skipIf(driver.skipReason)(
      'a press replayed on a different message of the same chat is refused: Mute and Unmute',
      async () => {
        const { world, messages } = await alerted(driver);
        // Mute data of the checkout message, sent for the search message.
        const muteData = dataOf(messages.checkout, 'Mute 24 h');
        const replayed = standIn.pressWithData(messages.search, muteData);
        expect(await poll(world)).toBe(1);
        expect(standIn.callbackAnswers.get(replayed)?.text).toBe(
          'This button does not belong to this message: nothing was changed',
        );
        expect(await silences(world)).toEqual([]);
        expect(messages.search.markupEdits).toEqual([]);

        // A real Mute on checkout; its Unmute data replayed on the search message ends nothing.
        standIn.press(messages.checkout, 'Mute 1 h');
        expect(await poll(world)).toBe(1);
        const [made] = await silences(world);
        expect(made).toMatchObject({ app_name: 'checkout', active: true });
        const unmuteData = buttons(messages.checkout)[0]!.callback_data!;
        expect(unmuteData).toMatch(/^unmute:/);
        const replayedUnmute = standIn.pressWithData(messages.search, unmuteData);
        expect(await poll(world)).toBe(1);
        expect(standIn.callbackAnswers.get(replayedUnmute)?.text).toBe(
          'This button does not belong to this message: nothing was changed',
        );
        expect((await world.ctx.silences.get(made!.id)).active).toBe(true);
        expect(messages.search.markupEdits).toEqual([]);
      },
    );

    it.skipIf(driver.skipReason)('who pressed is recorded without bidi controls or invisible characters', async () => {
      const { world, messages } = await alerted(driver);
      standIn.press(messages.checkout, 'Mute 1 h', { id: 77, first_name: 'Ann\u202e\u200bcod.exe' });
      expect(await poll(world)).toBe(1);
      expect((await silences(world)).map((s) => s.created_by)).toEqual(['telegram:Anncod.exe']);
      expect(buttons(messages.checkout).map((b) => b.text)[0]).toMatch(/^Muted by Anncod\.exe until /);
    });

    it.skipIf(driver.skipReason)('Unmute data naming a silence made through the API is refused', async () => {
      const { world, rows, messages } = await alerted(driver);
      const now = Date.now();
      const api = await world.ctx.silences.create(
        {
          app_name: 'checkout',
          message_key: null,
          starts_at: now,
          ends_at: now + 3_600_000,
          comment: 'maintenance',
          created_by: 'api',
        },
        'test',
      );
      standIn.press(messages.checkout, 'Mute 1 h');
      expect(await poll(world)).toBe(1);
      const forged = standIn.pressWithData(messages.checkout, `unmute:${api.id}:${rows.checkout}`);
      expect(await poll(world)).toBe(1);
      expect(standIn.callbackAnswers.get(forged)?.text).toBe(
        'This button does not belong to this message: nothing was changed',
      );
      expect((await silences(world)).map((s) => [s.created_by, s.active])).toEqual([
        ['telegram:@ann', true],
        ['api', true],
      ]);
    });

    it.skipIf(driver.skipReason)(
      'with data on the message, the row must have gone to that chat and Unmute must name its own silence',
      async () => {
        const { world, chatId, groupId, rows } = await alerted(driver);
        const deps = {
          db: world.ctx.state.db,
          silences: world.ctx.silences,
          botId: botIdOf(standIn.token),
        };
        const messageWith = (chat: string, data: string) => ({
          message_id: 1,
          chat: { id: Number(chat) },
          reply_markup: { inline_keyboard: [[{ text: 'button', callback_data: data }]] },
        });
        const check = (chat: string, data: string) => {
          const [, a, b] = data.split(':');
          const press = data.startsWith('mute:')
            ? ({ action: 'mute', alertId: Number(a), minutes: Number(b) } as const)
            : ({ action: 'unmute', silenceId: Number(a), alertId: Number(b) } as const);
          return checkPress(press, data, messageWith(chat, data), deps);
        };

        expect(await check(chatId, `mute:${rows.checkout}:60`)).toMatchObject({
          accepted: true,
          alert: { app_name: 'checkout' },
        });
        expect(await check(chatId, `mute:${rows.billing}:60`)).toEqual({
          accepted: false,
          answer: 'That alert was not sent to this chat: nothing was changed',
          reason: 'alert sent elsewhere',
        });
        expect(await check(groupId, `mute:${rows.billing}:60`)).toMatchObject({ accepted: true });

        const now = Date.now();
        const api = await world.ctx.silences.create(
          {
            app_name: 'checkout',
            message_key: null,
            starts_at: now,
            ends_at: now + 3_600_000,
            comment: null,
            created_by: 'api',
          },
          'test',
        );
        const ownAnswer = 'This button ends only the silence it made: nothing was changed';
        expect(await check(chatId, `unmute:${api.id}:${rows.checkout}`)).toMatchObject({
          accepted: false,
          answer: ownAnswer,
        });
        // A silence a press made on billing's alert cannot be ended from checkout's message.
        const pressed = await world.ctx.silences.create(
          {
            app_name: 'billing',
            message_key: null,
            starts_at: now,
            ends_at: now + 3_600_000,
            comment: null,
            created_by: 'telegram:@ann',
            origin_key: `telegram:${deps.botId}:1`,
          },
          'test',
        );
        expect(await check(chatId, `unmute:${pressed.id}:${rows.checkout}`)).toMatchObject({
          accepted: false,
          answer: ownAnswer,
        });
        expect(await check(groupId, `unmute:${pressed.id}:${rows.billing}`)).toMatchObject({ accepted: true });
        expect(await check(chatId, `unmute:999999:${rows.checkout}`)).toMatchObject({
          accepted: false,
          answer: 'That silence no longer exists',
        });
        expect((await silences(world)).every((s) => s.active)).toBe(true);
      },
    );
  },
);
