import { afterEach, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/app/service.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { EsTestServer, PERSONAS } from '../support/es-server/index.js';
import { closedPort } from '../support/ports.js';
import { FAST_PACING, openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { TelegramStandIn } from '../support/telegram-stand-in.js';

const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
announceSkips([sqlite], 'self-alerts end to end');

/** Polls until `check` holds (the scheduler runs on its own). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('self-alerts through lagwatch start', () => {
  let world: ScanWorld | undefined;
  let service: RunningService | undefined;
  let es: EsTestServer | undefined;
  let standIn: TelegramStandIn | undefined;
  afterEach(async () => {
    await service?.close();
    await world?.close();
    await es?.close();
    await standIn?.close();
    service = world = es = standIn = undefined;
  });

  it('Elasticsearch unreachable: one Telegram self-alert after SELF_ALERT_AFTER_MINUTES, one resolved once it answers', async () => {
    standIn = await TelegramStandIn.start();
    const port = await closedPort();
    // The scheduler sleeps in real time; the scans, the self-monitor and the outbox read this clock.
    let skew = 0;
    const now = () => Date.now() + skew;
    const chat = '7401';
    world = await openScanWorld(sqlite, {
      env: {
        LOG_SOURCE: 'elasticsearch',
        ELASTICSEARCH_HOST: `http://127.0.0.1:${port}`,
        ELASTICSEARCH_INDEX_PREFIX: 'logs-',
        ELASTICSEARCH_TIMEOUT_MS: '1000',
        SCAN_INITIAL_LOOKBACK_MINUTES: '60',
        TELEGRAM_BOT_TOKEN: standIn.token,
        TELEGRAM_API_BASE: standIn.apiBase,
        TELEGRAM_CHAT_ID: chat,
        TELEGRAM_UPDATES: 'off',
        SELF_ALERT_AFTER_MINUTES: '1',
      },
    });
    const db = world.ctx.state.db;
    const scans = async (status: 'success' | 'failed') =>
      Number(
        (
          await db
            .selectFrom('cron_logs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', '=', status)
            .executeTakeFirstOrThrow()
        ).n,
      );
    service = await startService(world.ctx, {
      port: 0,
      host: '127.0.0.1',
      intervalSeconds: 1,
      now,
      notifiers: FAST_PACING,
      selfCheckMs: 200,
    });

    await until(async () => (await scans('failed')) >= 1, 'a failed scan');
    expect(standIn.messagesTo(chat)).toEqual([]);
    skew = 61_000;
    const [alert] = await standIn.waitForMessages(1, chat);
    expect(alert!.visibleText).toContain('lagwatch self-monitoring: scans failing');
    expect(alert!.visibleText).toMatch(/every scan has failed since \d\d:\d\d UTC .*ECONNREFUSED/);

    // A further failed scan tells nothing more.
    const failedSoFar = await scans('failed');
    await until(async () => (await scans('failed')) > failedSoFar, 'a further failed scan');
    expect(standIn.messagesTo(chat)).toHaveLength(1);

    es = await EsTestServer.start({ persona: PERSONAS.es8, port });
    es.createIndex('logs-a', { '@timestamp': 'date', app_name: 'keyword', message_key: 'keyword', duration: 'long' });
    const messages = await standIn.waitForMessages(2, chat);
    expect(messages[1]!.visibleText).toContain('lagwatch: resolved');
    expect(messages[1]!.visibleText).toContain('lagwatch scans succeed again');
    // The stand-in answers before the outbox records the send.
    await until(async () => (await scans('success')) >= 1, 'a successful scan');
    const selfRows = () =>
      db
        .selectFrom('alert_log')
        .select('status')
        .where('rule_type', '=', 'self')
        .where('status', '=', 'sent')
        .execute();
    await until(async () => (await selfRows()).length === 2, 'the resolved row settled');
    const rows = await db
      .selectFrom('alert_log')
      .select(['rule_type', 'kind', 'status', 'channel'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { rule_type: 'self', kind: 'alert', status: 'sent', channel: 'telegram_chat' },
      { rule_type: 'self', kind: 'resolved', status: 'sent', channel: 'telegram_chat' },
    ]);
  });
});
