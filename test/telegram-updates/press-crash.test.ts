import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OffsetStore } from '../../src/telegram-updates/offset-store.js';
import { botIdOf } from '../../src/telegram-updates/poller.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { runScript } from '../support/scan-harness/child-process.js';
import { telegramWorlds } from '../support/scan-harness/telegram-worlds.js';
import { deliverAll, FAST_PACING } from '../support/scan-harness/world.js';

const PRESS_CHILD = join(import.meta.dirname, '../support/scan-harness/press-child.ts');

// SQLite and one server database, as the scan crash harness does.
const all = driversUnderTest();
announceSkips(all, 'press crash harness');
const server = all.find((d) => d.driver === 'postgres' && !d.skipReason) ?? all.find((d) => d.driver === 'mysql');
const drivers = [all.find((d) => d.driver === 'sqlite')!, ...(server ? [server] : [])];
// Each restart's clock is this much later: past the killed poller's lease.
const CLOCK_STEP_MS = 180_000;
const POINTS = ['received', 'silenced', 'answered', 'committed'] as const;

describe.each(drivers.map((d) => [d.driver, d] as const))('press crash harness over %s', (_name, driver) => {
  const worlds = telegramWorlds();

  it.skipIf(driver.skipReason)(
    'SIGKILLed at each point between a press and its offset: one silence, the keyboard edited, nothing replayed after',
    { timeout: 120_000 },
    async () => {
      for (const [index, point] of POINTS.entries()) {
        const chatId = `${(Date.now() % 1_000_000) * 10 + index}`;
        const world = await worlds.open(driver, {
          env: {
            TELEGRAM_BOT_TOKEN: worlds.standIn.token,
            TELEGRAM_API_BASE: worlds.standIn.apiBase,
            TELEGRAM_CHAT_ID: chatId,
          },
          notifiers: FAST_PACING,
        });
        const { ctx } = world;
        await ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: ['telegram_chat'] }, 'test');
        await world.ingest([logDocument({ time: Date.now() - 30_000, app: 'api', duration: 900 })]);
        await world.services.scanner.run();
        await deliverAll(world.services);
        const [message] = worlds.standIn.messagesTo(chatId);
        worlds.standIn.press(message!, 'Mute 24 h');

        const context = `killed after "${point}"`;
        const killed = await runScript(
          PRESS_CHILD,
          { ...world.env, HARNESS_CLOCK_OFFSET_MS: String(CLOCK_STEP_MS) },
          { afterMarker: index + 1 },
        );
        expect([killed.outcome, killed.markers.at(-1)], `${context}: ${killed.stderr}`).toEqual(['killed', point]);
        const restarted = await runScript(
          PRESS_CHILD,
          { ...world.env, HARNESS_CLOCK_OFFSET_MS: String(2 * CLOCK_STEP_MS) },
          'never',
        );
        expect([restarted.code, restarted.markers.at(-1)], `${context}: ${restarted.stderr}`).toEqual([0, 'done']);

        const silences = (await ctx.silences.list({}, { page: 1, per_page: 10 })).items;
        expect(
          silences.map((s) => [s.app_name, s.message_key, s.created_by]),
          context,
        ).toEqual([['api', null, 'telegram:@ann']]);
        const label = message!.replyMarkup?.inline_keyboard.flat().map((b) => b.text) ?? [];
        expect(label, context).toHaveLength(1);
        expect(label[0], context).toMatch(/^Muted by @ann until \d\d:\d\d( \d\d-\d\d)? UTC · Unmute$/);

        // Once the offset is past the press, another run replays nothing.
        const again = await runScript(
          PRESS_CHILD,
          { ...world.env, HARNESS_CLOCK_OFFSET_MS: String(3 * CLOCK_STEP_MS) },
          'never',
        );
        expect(again.markers, context).toEqual(['done']);
        expect((await ctx.silences.list({}, { page: 1, per_page: 10 })).total, context).toBe(1);
        expect(await new OffsetStore(ctx.state.db).nextOffset(botIdOf(worlds.standIn.token))).toBeGreaterThan(0);
        expect(worlds.standIn.unconfirmedUpdates, context).toBe(0);
      }
    },
  );
});
