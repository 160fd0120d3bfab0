import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseCooldowns } from '../../src/alerts/cooldown.js';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import { DatabaseLease } from '../../src/scan/lease.js';
import { Scanner } from '../../src/scan/scanner.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { EsTestServer, PERSONAS } from '../support/es-server/index.js';
import { logDocument } from '../support/log-documents.js';
import { recordedViolations } from '../support/scan-harness/logs.js';
import { FAST_PACING, openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { TelegramStandIn } from '../support/telegram-stand-in.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'late documents');
// One point-in-time persona and one scroll persona: the two ways the adapter pages.
const personas = [PERSONAS.es8, PERSONAS.es710];

describe.each(drivers.map((d) => [d.driver, d] as const))('late documents on Elasticsearch, over %s', (_n, driver) => {
  let es: EsTestServer | undefined;
  let standIn: TelegramStandIn;
  let world: ScanWorld | undefined;
  beforeEach(async () => {
    standIn = await TelegramStandIn.start();
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
    await es?.close();
    es = undefined;
    await standIn.close();
  });

  it.skipIf(driver.skipReason).each(personas.map((p) => [p.name, p] as const))(
    '%s: a late document inside the overlap window is caught exactly once',
    async (_name, persona) => {
      es = await EsTestServer.start({ persona });
      const mapping = { '@timestamp': 'date', app_name: 'keyword', message_key: 'keyword', duration: 'long' } as const;
      es.createIndex('logs-a', { ...mapping, correlation_id: 'keyword', level: 'keyword', message: 'text' });
      const start = Date.now();
      let clock = start;
      world = await openScanWorld(driver, {
        env: {
          LOG_SOURCE: 'elasticsearch',
          ELASTICSEARCH_HOST: es.url,
          ELASTICSEARCH_INDEX_PREFIX: 'logs-',
          SCAN_LAG_SECONDS: '15',
          SCAN_OVERLAP_SECONDS: '300',
          SCAN_INITIAL_LOOKBACK_MINUTES: '60',
          TELEGRAM_BOT_TOKEN: standIn.token,
          TELEGRAM_API_BASE: standIn.apiBase,
          TELEGRAM_CHAT_ID: '4242',
        },
        notifiers: FAST_PACING,
        now: () => clock,
      });
      const { ctx, services } = world;
      await ctx.appRules.create({ app_name: 'core', max_duration: 500, alert_channels: ['telegram_chat'] }, 'test');
      es.addDocuments('logs-a', [
        logDocument({ time: start - 600_000, app: 'core', duration: 900 }),
        logDocument({ time: start - 60_000, app: 'core', duration: 901 }),
        logDocument({ time: start - 50_000, app: 'core', duration: 100 }),
      ]);

      const first = await services.scanner.run();
      expect(first).toMatchObject({ status: 'success', violations: 2, alertsQueued: 1, watermark: start - 15_000 });
      await services.outbox.deliverDue();
      expect(standIn.messagesTo('4242')).toHaveLength(1);

      // Visible only now, with a time before the watermark but inside the 300 s overlap.
      es.addDocuments('logs-a', [
        logDocument({ time: start - 100_000, app: 'core', duration: 903, correlation: 'late-one' }),
      ]);
      clock = start + 30_000;
      const second = await services.scanner.run();
      expect(second).toMatchObject({ status: 'success', violations: 1, alertsQueued: 1 });
      await services.outbox.deliverDue();
      const messages = standIn.messagesTo('4242');
      expect(messages).toHaveLength(2);
      expect(messages[1]!.visibleText).toContain('1 violation over the 500 ms threshold');
      expect(messages[1]!.visibleText).toContain('late-one');

      clock = start + 60_000;
      expect(await services.scanner.run()).toMatchObject({ status: 'success', violations: 0, alertsQueued: 0 });
      // A restarted lagwatch (nothing in memory) re-reads the overlap and still records nothing twice.
      const reopened = await ElasticsearchLogSource.open(world.config, ctx.logger);
      try {
        const restarted = new Scanner({
          ctx,
          source: async () => reopened,
          lease: new DatabaseLease(ctx.state.db, () => clock),
          cooldowns: new DatabaseCooldowns(),
          now: () => clock,
        });
        clock = start + 90_000;
        expect(await restarted.run()).toMatchObject({ status: 'success', violations: 0, alertsQueued: 0 });
      } finally {
        await reopened.close();
      }
      await services.outbox.deliverDue();
      expect(standIn.messagesTo('4242')).toHaveLength(2);
      const recorded = await recordedViolations(ctx.state.db);
      expect(recorded).toHaveLength(3);
      expect(new Set(recorded).size).toBe(3);
      const sourceKey = (await services.source()).key;
      expect(recorded.every((key) => key.startsWith(`app:1:${sourceKey}:logs-a/`))).toBe(true);
    },
  );
});
