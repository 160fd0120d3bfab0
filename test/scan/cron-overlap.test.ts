import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseCooldowns } from '../../src/alerts/cooldown.js';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import { DatabaseLease } from '../../src/scan/lease.js';
import type { ScanReport } from '../../src/scan/scan-report.js';
import type { ScanOptions } from '../../src/scan/scanner.js';
import { Scanner } from '../../src/scan/scanner.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { EsTestServer, PERSONAS } from '../support/es-server/index.js';
import { logDocument } from '../support/log-documents.js';
import { recordedViolations } from '../support/scan-harness/logs.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'cron overlap');
const personas = [PERSONAS.es8, PERSONAS.es710];

/**
 * Cron mode: every `log:alert-scan` is a new process. What earlier scans recorded inside the
 * overlap is stored with the checkpoint, so a new process transfers none of it again, still
 * finds what became visible late, and a batch that was not committed hides nothing.
 */
describe.each(drivers.map((d) => [d.driver, d] as const))('cron-run scans on Elasticsearch, over %s', (_n, driver) => {
  let es: EsTestServer | undefined;
  let world: ScanWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
    await es?.close();
    es = undefined;
  });

  it.skipIf(driver.skipReason).each(personas.map((p) => [p.name, p] as const))(
    '%s: a new process transfers no recorded candidate, finds a late one, and an uncommitted batch hides nothing',
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
          SCAN_BATCH_SIZE: '10',
        },
        now: () => clock,
      });
      const { ctx } = world;
      const db = ctx.state.db;
      await ctx.appRules.create({ app_name: 'core', max_duration: 500, alert_channels: [] }, 'test');
      // A message rule above its app's: 700 ms logs of that key are candidates but no violation.
      await ctx.messageRules.create(
        { app_name: 'core', message_key: 'slow', max_duration: 800, alert_channels: [] },
        'test',
      );
      es.addDocuments('logs-a', [
        logDocument({ time: start - 1_200_000, app: 'core', duration: 900 }), // before the next overlap
        logDocument({ time: start - 60_000, app: 'core', duration: 901 }),
        logDocument({ time: start - 50_000, app: 'core', duration: 902 }),
        logDocument({ time: start - 40_000, app: 'core', key: 'slow', duration: 700 }),
        logDocument({ time: start - 30_000, app: 'core', duration: 100 }),
      ]);
      const rows = async () => (await db.selectFrom('recorded_candidates').select('doc_key').execute()).length;

      /** One `log:alert-scan` process: its own source and scanner over the same state database. */
      const newProcess = async (options: ScanOptions = {}): Promise<ScanReport & { transferred: number }> => {
        const source = await ElasticsearchLogSource.open(world!.config, ctx.logger);
        try {
          const scanner = new Scanner({
            ctx,
            source: async () => source,
            lease: new DatabaseLease(db, () => clock),
            cooldowns: new DatabaseCooldowns(),
            now: () => clock,
          });
          es!.resetStats();
          const report = await scanner.run(options);
          return { ...report, transferred: es!.stats.hitsReturned };
        } finally {
          await source.close();
        }
      };

      const first = await newProcess();
      expect(first).toMatchObject({ status: 'success', violations: 3, candidates: 4, transferred: 4 });
      // Only what the next window re-reads is stored: not the one 20 min back.
      expect(await rows()).toBe(3);

      clock = start + 30_000;
      expect(await newProcess()).toMatchObject({ status: 'success', violations: 0, candidates: 0, transferred: 0 });

      // Visible only now, with a time before the watermark but inside the 300 s overlap.
      es.addDocuments('logs-a', [logDocument({ time: start - 100_000, app: 'core', duration: 903 })]);
      clock = start + 60_000;
      expect(await newProcess()).toMatchObject({ status: 'success', violations: 1, transferred: 1 });

      // 25 more, late; a process cut after its first committed batch (10 candidates), then another.
      es.addDocuments(
        'logs-a',
        Array.from({ length: 25 }, (_, i) =>
          logDocument({ time: start - 200_000 + i, app: 'core', duration: 910 + i }),
        ),
      );
      clock = start + 90_000;
      const abort = new AbortController();
      const cut = await newProcess({ signal: abort.signal, onProgress: () => abort.abort() });
      expect(cut).toMatchObject({ status: 'failed', violations: 10 });
      expect(await rows()).toBe(3 + 1 + 10);
      const resumed = await newProcess();
      expect(resumed).toMatchObject({ status: 'success', violations: 15, transferred: 15 });
      const recorded = await recordedViolations(db);
      expect(recorded).toHaveLength(3 + 1 + 25);
      expect(new Set(recorded).size).toBe(recorded.length);

      // Past the overlap: every stored candidate is forgotten in the scan's transaction.
      clock = start + 20 * 60_000;
      expect(await newProcess()).toMatchObject({ status: 'success', violations: 0, transferred: 0 });
      expect(await rows()).toBe(0);
    },
  );
});
