import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../../../src/alerts/retry-policy.js';
import type { ChannelType } from '../../../src/rules/types.js';
import { announceSkips, driversUnderTest } from '../../support/databases.js';
import { logDocument } from '../../support/log-documents.js';
import { telegramWorlds } from '../../support/scan-harness/telegram-worlds.js';
import { deliverAll, FAST_PACING, type ScanWorld } from '../../support/scan-harness/world.js';
import { parseMail, SmtpPeer } from '../../support/smtp-peer.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'outbox delivery');

const SHORT_RETRIES = exponentialBackoff({ baseMs: 10, maxMs: 100 });
const APPS = ['alpha', 'bravo', 'charlie', 'delta'];

let chatSerial = Date.now() % 1_000_000;
const freshChat = () => String(++chatSerial * 10);

describe.each(drivers.map((d) => [d.driver, d] as const))('outbox delivery over %s', (_name, driver) => {
  const worlds = telegramWorlds();
  let world: ScanWorld | undefined;

  /** A world whose rules (one per app in APPS) each have one violation to report. */
  async function worldWithAlerts(channels: ChannelType[], env: Record<string, string> = {}) {
    world = await worlds.open(driver, {
      env: { TELEGRAM_BOT_TOKEN: worlds.standIn.token, TELEGRAM_API_BASE: worlds.standIn.apiBase, ...env },
      notifiers: FAST_PACING,
      retry: SHORT_RETRIES,
    });
    for (const app of APPS) {
      await world.ctx.appRules.create({ app_name: app, max_duration: 100, alert_channels: channels }, 'test');
    }
    await world.ingest(APPS.map((app) => logDocument({ time: Date.now() - 5000, app, duration: 250 })));
    return world;
  }

  const appsIn = (texts: string[]) => texts.map((t) => APPS.find((app) => t.includes(`App: ${app}`)));

  it.skipIf(driver.skipReason)(
    'Telegram answering 500 and 429 with retry_after, then recovering: all delivered, in order per chat',
    async () => {
      const [chatA, chatB] = [freshChat(), freshChat()];
      const w = await worldWithAlerts(['telegram_chat']);
      await w.ctx.targets.create({ name: 'a', type: 'telegram_chat', external_id: chatA, is_active: true }, 'test');
      await w.ctx.targets.create({ name: 'b', type: 'telegram_chat', external_id: chatB, is_active: true }, 'test');
      expect(await w.services.scanner.run()).toMatchObject({ violations: 4, alertsQueued: 8 });

      worlds.standIn.failNext(2, { error_code: 500, description: 'Internal Server Error' }, chatA);
      worlds.standIn.tooManyRequestsNext(1, chatB);
      const first = await w.services.outbox.deliverDue();
      // Each chat's first row failed; the rows behind it wait their turn rather than overtake it.
      expect(first).toEqual({ sent: 0, failed: 0, retrying: 2 });
      const rows = await w.ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
      expect(rows.filter((r) => r.attempts > 0).map((r) => [r.destination, r.status, r.app_name])).toEqual([
        [chatA, 'pending', 'alpha'],
        [chatB, 'pending', 'alpha'],
      ]);
      const limited = rows.find((r) => r.destination === chatB && r.attempts > 0)!;
      expect(limited.last_error).toContain('429');
      expect(limited.last_error).not.toContain(worlds.standIn.token);
      // retry_after (1 s) wins over the 10 ms backoff.
      expect(Number(limited.next_attempt_at) - Number(limited.updated_at)).toBeGreaterThanOrEqual(1000);

      await deliverAll(w.services);
      for (const chat of [chatA, chatB])
        expect(appsIn(worlds.standIn.messagesTo(chat).map((m) => m.visibleText))).toEqual(APPS);
      const final = await w.ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
      expect(final.every((r) => r.status === 'sent' && r.last_error === null && r.sent_at !== null)).toBe(true);
      const attempts = (chat: string) => final.filter((r) => r.destination === chat).map((r) => r.attempts);
      expect(attempts(chatA)).toEqual([3, 1, 1, 1]);
      expect(attempts(chatB)).toEqual([2, 1, 1, 1]);
      expect(worlds.standIn.requests.filter((r) => r.chatId === chatA).map((r) => r.status)).toEqual([
        500, 500, 200, 200, 200, 200,
      ]);
    },
  );

  it.skipIf(driver.skipReason)(
    'SMTP down, then up: kept pending with the reason, then delivered in order',
    async () => {
      const peer = await SmtpPeer.start();
      try {
        const w = await worldWithAlerts(['email'], {
          MAIL_HOST: '127.0.0.1',
          MAIL_PORT: String(peer.port),
          MAIL_ENCRYPTION: 'none',
        });
        await w.ctx.targets.create(
          { name: 'ops', type: 'email', external_id: 'ops@example.com', is_active: true },
          'test',
        );
        expect(await w.services.scanner.run()).toMatchObject({ violations: 4, alertsQueued: 4 });
        await peer.down();
        for (let i = 0; i < 3; i++) {
          await w.services.outbox.deliverDue();
          await new Promise((resolve) => setTimeout(resolve, 120));
        }
        const waiting = await w.ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
        expect(waiting.map((r) => r.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
        expect(waiting[0]!.attempts).toBeGreaterThanOrEqual(2);
        expect(waiting[0]!.last_error).toMatch(/ECONNREFUSED|connect/i);
        expect(waiting.slice(1).map((r) => r.attempts)).toEqual([0, 0, 0]);

        await peer.up();
        await deliverAll(w.services);
        const subjects = peer.messages.map((m) => parseMail(m.raw).headers.get('subject')?.[0] ?? '');
        expect(subjects.map((s) => APPS.find((app) => s.includes(app)))).toEqual(APPS);
        expect(peer.messages.every((m) => m.envelopeTo.join() === 'ops@example.com')).toBe(true);
      } finally {
        await peer.close();
      }
    },
  );

  it.skipIf(driver.skipReason)(
    'migrate_to_chat_id: delivered to the supergroup, the stored target and queued rows follow it',
    async () => {
      const group = `-${freshChat()}`;
      const supergroup = `-100${freshChat()}`;
      const w = await worldWithAlerts(['telegram_group']);
      const target = await w.ctx.targets.create(
        {
          name: 'team',
          type: 'telegram_group',
          external_id: group,
          is_active: true,
        },
        'test',
      );
      worlds.standIn.migrateChat(group, supergroup);
      expect(await w.services.scanner.run()).toMatchObject({ violations: 4, alertsQueued: 4 });
      await deliverAll(w.services);
      expect(worlds.standIn.messagesTo(group)).toHaveLength(0);
      expect(appsIn(worlds.standIn.messagesTo(supergroup).map((m) => m.visibleText))).toEqual(APPS);
      expect((await w.ctx.targets.get(target.id)).external_id).toBe(supergroup);
      const rows = await w.ctx.state.db.selectFrom('alert_log').select(['destination', 'status']).execute();
      expect(rows.every((r) => r.destination === supergroup && r.status === 'sent')).toBe(true);

      // The next scan's alerts go straight to the new chat.
      await w.ingest([logDocument({ time: Date.now() - 1000, app: 'alpha', duration: 999 })]);
      expect(await w.services.scanner.run()).toMatchObject({ violations: 1, alertsQueued: 1 });
      await deliverAll(w.services);
      expect(worlds.standIn.messagesTo(supergroup)).toHaveLength(5);
      expect(worlds.standIn.requests.filter((r) => r.chatId === group)).toHaveLength(4);
    },
  );
});
