import { afterEach, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/alerts/notification.js';
import { listIncidents } from '../../src/scan/incidents.js';
import { announceSkips, type DriverUnderTest, driversUnderTest } from '../support/databases.js';
import { EsTestServer, PERSONAS } from '../support/es-server/index.js';
import { logDocument } from '../support/log-documents.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'slo rules in scans');
const MINUTE = 60_000;

/**
 * Objective 99 % under 500 ms. 100 good orders 50 min before the first scan, 60 good and 40 bad
 * 2 min before it: the 1 h window burns 40/200/1 % = 20×, the 5 min one 40/100/1 % = 40×, the
 * page (14.4×) fires. Forty minutes later the 5 and 30 min windows are empty: resolved.
 */
function burstDocuments(now: number): Record<string, unknown>[] {
  const doc = (time: number, duration: number) => logDocument({ time, app: 'checkout', key: 'POST /orders', duration });
  return [
    ...Array.from({ length: 100 }, (_, i) => doc(now - 50 * MINUTE - i, 100)),
    ...Array.from({ length: 60 }, (_, i) => doc(now - 2 * MINUTE - i, 500)),
    ...Array.from({ length: 40 }, (_, i) => doc(now - 2 * MINUTE - i, 900)),
  ];
}

interface Outcome {
  events: (string | null)[];
  kinds: string[];
  sentences: string[];
  incidents: { state: string; value: number | null; threshold: number | null; unit: string }[];
}

/** Creates the SLO, scans now and 40 minutes later, and tells what happened. */
async function runBurst(world: ScanWorld, advance: () => void): Promise<Outcome> {
  const { ctx, services } = world;
  await ctx.targets.create({ name: 'hook', type: 'webhook', external_id: 'http://127.0.0.1:9/h', is_active: true });
  await ctx.ruleStores.windowRules('slo').create({
    name: 'checkout orders',
    app_name: 'checkout',
    message_key: 'POST /orders',
    threshold_ms: 500,
    objective: 99,
    alert_channels: ['webhook'],
  });
  const events: (string | null)[] = [];
  const first = await services.scanner.run();
  expect(first.status, first.error).toBe('success');
  events.push(first.windowSeries?.[0]?.event ?? null);
  events.push((await services.scanner.run()).windowSeries?.[0]?.event ?? null);
  advance();
  const later = await services.scanner.run();
  expect(later.status, later.error).toBe('success');
  events.push(later.windowSeries?.[0]?.event ?? null);
  const rows = await ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
  const incidents = (await listIncidents(ctx.state.db, {}, { page: 1, per_page: 10 })).items;
  return {
    events,
    kinds: rows.map((r) => r.kind),
    // Clock times differ between runs.
    sentences: rows.map((r) =>
      (JSON.parse(r.payload) as AlertNotification).sentence!.replace(/\d\d:\d\d UTC/g, 'hh:mm UTC'),
    ),
    incidents: incidents.map((i) => ({ state: i.state, value: i.value, threshold: i.threshold, unit: i.unit })),
  };
}

const EXPECTED_EVENTS = ['alert', null, 'resolved'];

describe.each(drivers.map((d) => [d.driver, d] as const))(
  'slo rules in real scans, over %s',
  (_n, driver: DriverUnderTest) => {
    let world: ScanWorld | undefined;
    let es: EsTestServer | undefined;
    afterEach(async () => {
      await world?.close();
      world = undefined;
      await es?.close();
      es = undefined;
    });

    it.skipIf(driver.skipReason)(
      'the embedded store and Elasticsearch page once when the budget burns at 14.4×, and resolve once',
      async () => {
        const start = Date.now();
        let clock = start;
        world = await openScanWorld(driver, { now: () => clock });
        await world.ingest(burstDocuments(start));
        const embedded = await runBurst(world, () => {
          clock += 40 * MINUTE;
        });
        expect(embedded.events).toEqual(EXPECTED_EVENTS);
        expect(embedded.kinds).toEqual(['alert', 'resolved']);
        expect(embedded.sentences[0]).toMatch(
          /^checkout POST \/orders: error budget burning 20× over the last 1 h and 40× over the last 5 min \(alert at 14\.4×; objective 99 % within 500 ms\); the 28 d budget is spent \(-1,900 % left\); firing since hh:mm UTC$/,
        );
        // Resolved with the 1 h window's rate at that time: 40 of 100 bad.
        expect(embedded.incidents).toEqual([{ state: 'resolved', value: 40, threshold: 14.4, unit: '×' }]);
        await world.close();

        clock = start;
        es = await EsTestServer.start({ persona: PERSONAS.os2 });
        es.createIndex('logs-a', {
          '@timestamp': 'date',
          app_name: 'keyword',
          message_key: 'keyword',
          duration: 'long',
        });
        es.addDocuments('logs-a', burstDocuments(start));
        world = await openScanWorld(driver, {
          env: {
            LOG_SOURCE: 'elasticsearch',
            ELASTICSEARCH_HOST: es.url,
            ELASTICSEARCH_INDEX_PREFIX: 'logs-',
            SCAN_INITIAL_LOOKBACK_MINUTES: '60',
          },
          now: () => clock,
        });
        const elastic = await runBurst(world, () => {
          clock += 40 * MINUTE;
        });
        expect(elastic).toEqual(embedded);
      },
    );
  },
);
