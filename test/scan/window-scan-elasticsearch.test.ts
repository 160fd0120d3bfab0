import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterAdmin, liveServers } from '../live/real-cluster.js';
import { announceSkips, type DriverUnderTest, driversUnderTest } from '../support/databases.js';
import { EsTestServer, PERSONAS } from '../support/es-server/index.js';
import { logDocument } from '../support/log-documents.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

/**
 * Window rules judged by real scans over Elasticsearch (the stand-in, and every real server of
 * TEST_SEARCH_SERVERS) give the same incidents, values (within 1 %) and notifications as the
 * embedded store on the same data.
 */
const drivers = driversUnderTest();
announceSkips(drivers, 'window rules over Elasticsearch');
const servers = liveServers();
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const MAPPING = {
  '@timestamp': 'date',
  ingested: 'date',
  app_name: 'keyword',
  message_key: 'keyword',
  duration: 'long',
} as const;

/** The data every source gets: slow orders per key, a search twice as slow as yesterday, a silent app. */
function scenarioDocuments(now: number): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    const time = now - 1000 - i * 5000;
    docs.push(logDocument({ time, app: 'checkout', key: 'POST /orders', duration: 1500 + (i % 10) }));
    docs.push(logDocument({ time, app: 'checkout', key: 'GET /cart', duration: 100 + (i % 10) }));
    docs.push(logDocument({ time, app: 'search', key: 'GET /q', duration: 900 + (i % 5) }));
    docs.push(logDocument({ time: time - DAY, app: 'search', key: 'GET /q', duration: 200 + (i % 5) }));
  }
  // A last log of the silent app long before the window.
  docs.push(logDocument({ time: now - 30 * MINUTE, app: 'payments', key: 'charge', duration: 10 }));
  return docs.map((d) => ({ ...d, ingested: d['@timestamp'] }));
}

async function createScenarioRules(world: ScanWorld): Promise<void> {
  const { ctx } = world;
  await ctx.targets.create(
    { name: 'hook', type: 'webhook', external_id: 'http://127.0.0.1:9/h', is_active: true },
    'test',
  );
  const latency = ctx.ruleStores.windowRules('latency');
  await latency.create(
    {
      name: 'checkout p95 per key',
      app_name: 'checkout',
      statistic: 'p95',
      per_key: true,
      threshold: 800,
      alert_channels: ['webhook'],
    },
    'test',
  );
  await latency.create(
    {
      name: 'search vs yesterday',
      app_name: 'search',
      statistic: 'p95',
      baseline: { compare_to: '1d', ratio: 2 },
      alert_channels: ['webhook'],
    },
    'test',
  );
  await ctx.ruleStores.windowRules('absence').create(
    {
      name: 'payments silent',
      app_name: 'payments',
      silent_minutes: 5,
      alert_channels: ['webhook'],
    },
    'test',
  );
}

interface ScenarioResult {
  series: {
    name: string;
    key: string | null;
    state: string;
    event: string | null;
    samples: number;
    value: number | null;
    baseline: number | null;
  }[];
  alerts: { rule_type: string; kind: string; channel: string; sentence: string }[];
  firingIncidents: number;
}

/** Creates the rules, runs one scan at `now` and tells what it did. */
async function runScenario(world: ScanWorld): Promise<ScenarioResult> {
  await createScenarioRules(world);
  const report = await world.services.scanner.run();
  expect(report.status, report.error).toBe('success');
  const series = (report.windowSeries ?? [])
    .map((s) => ({
      name: s.name,
      key: s.message_key,
      state: s.state,
      event: s.event,
      samples: s.samples,
      value: s.value,
      baseline: s.baseline_value,
    }))
    .sort((a, b) => `${a.name}|${a.key}`.localeCompare(`${b.name}|${b.key}`));
  const rows = await world.ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
  const alerts = rows
    .map((r) => ({
      rule_type: r.rule_type,
      kind: r.kind,
      channel: r.channel,
      // Digits may differ within the 1 % a percentile estimate is allowed.
      sentence: (JSON.parse(r.payload) as { sentence: string }).sentence.replace(/[\d,.]+/g, '#'),
    }))
    .sort((a, b) => a.sentence.localeCompare(b.sentence));
  const firing = await world.ctx.state.db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'firing')
    .executeTakeFirstOrThrow();
  return { series, alerts, firingIncidents: Number(firing.n) };
}

function expectSameOutcome(actual: ScenarioResult, expected: ScenarioResult): void {
  expect(actual.series.map(({ value, baseline, ...rest }) => rest)).toEqual(
    expected.series.map(({ value, baseline, ...rest }) => rest),
  );
  for (const [i, s] of actual.series.entries()) {
    const want = expected.series[i]!;
    for (const [got, exp] of [
      [s.value, want.value],
      [s.baseline, want.baseline],
    ] as const) {
      if (exp === null) expect(got, `${s.name} ${s.key}`).toBeNull();
      else
        expect(Math.abs((got ?? Number.NaN) - exp), `${s.name} ${s.key}: ${got} vs ${exp}`).toBeLessThanOrEqual(
          Math.abs(exp) * 0.01,
        );
    }
  }
  expect(actual.alerts).toEqual(expected.alerts);
  expect(actual.firingIncidents).toBe(expected.firingIncidents);
}

/** What the embedded store says on the scenario's data, the reference for every other source. */
async function embeddedOutcome(driver: DriverUnderTest, now: number): Promise<ScenarioResult> {
  const world = await openScanWorld(driver, { now: () => now });
  try {
    await world.ingest(scenarioDocuments(now));
    return await runScenario(world);
  } finally {
    await world.close();
  }
}

/** The scenario's own expectations, so that equal-but-wrong answers on both sides fail. */
function expectScenarioShape(result: ScenarioResult): void {
  expect(result.series.map((s) => [s.name, s.key, s.state, s.event, s.samples])).toEqual([
    ['checkout p95 per key', 'GET /cart', 'ok', null, 40],
    ['checkout p95 per key', 'POST /orders', 'firing', 'alert', 40],
    ['payments silent', null, 'firing', 'alert', 0],
    ['search vs yesterday', null, 'firing', 'alert', 40],
  ]);
  expect(result.series[1]!.value).toBeGreaterThan(1500);
  expect(result.series[3]!.baseline).toBeGreaterThan(199);
  expect(result.series[3]!.baseline).toBeLessThan(206);
  expect(result.alerts.map((a) => [a.rule_type, a.kind, a.channel])).toEqual([
    ['latency', 'alert', 'webhook'],
    ['absence', 'alert', 'webhook'],
    ['latency', 'alert', 'webhook'],
  ]);
  expect(result.firingIncidents).toBe(3);
}

describe.each(drivers.map((d) => [d.driver, d] as const))(
  'window rules over the Elasticsearch stand-in, over %s',
  (_n, driver) => {
    let es: EsTestServer | undefined;
    let world: ScanWorld | undefined;
    afterEach(async () => {
      await world?.close();
      world = undefined;
      await es?.close();
      es = undefined;
    });

    const esWorld = async (now: () => number, extra: Record<string, string> = {}) => {
      es = await EsTestServer.start({ persona: PERSONAS.es8 });
      es.createIndex('logs-a', MAPPING);
      world = await openScanWorld(driver, {
        env: {
          LOG_SOURCE: 'elasticsearch',
          ELASTICSEARCH_HOST: es.url,
          ELASTICSEARCH_INDEX_PREFIX: 'logs-',
          SCAN_INITIAL_LOOKBACK_MINUTES: '60',
          ...extra,
        },
        now,
      });
      return { es, world };
    };

    it.skipIf(driver.skipReason)('latency (per key, baseline) and absence fire as on the embedded store', async () => {
      const now = Date.now();
      const reference = await embeddedOutcome(driver, now);
      expectScenarioShape(reference);
      const { es, world } = await esWorld(() => now);
      es.addDocuments('logs-a', scenarioDocuments(now));
      const result = await runScenario(world);
      expectScenarioShape(result);
      expectSameOutcome(result, reference);
    });

    it.skipIf(driver.skipReason)(
      'absence with FIELD_INGESTED: late documents keep it from firing and resolve it; silence fires once',
      async () => {
        const start = Date.now();
        let clock = start;
        const { es, world } = await esWorld(() => clock, { FIELD_INGESTED: 'ingested' });
        const { ctx, services } = world;
        await ctx.targets.create(
          {
            name: 'hook',
            type: 'webhook',
            external_id: 'http://127.0.0.1:9/h',
            is_active: true,
          },
          'test',
        );
        const absence = ctx.ruleStores.windowRules('absence');
        await absence.create(
          {
            name: 'payments silent',
            app_name: 'payments',
            silent_minutes: 5,
            alert_channels: ['webhook'],
          },
          'test',
        );
        await absence.create(
          {
            name: 'billing silent',
            app_name: 'billing',
            silent_minutes: 5,
            alert_channels: ['webhook'],
          },
          'test',
        );
        // billing's logs were written 20 minutes ago and only now reach the index.
        es.addDocuments(
          'logs-a',
          [1, 2, 3].map((i) => ({
            ...logDocument({ time: start - 20 * MINUTE - i * 1000, app: 'billing', key: 'invoice', duration: 5 }),
            ingested: new Date(start - i * 1000).toISOString(),
          })),
        );
        const first = await services.scanner.run();
        expect(first.status).toBe('success');
        const states = (r: typeof first) =>
          Object.fromEntries((r.windowSeries ?? []).map((s) => [s.name, [s.state, s.event]]));
        expect(states(first)).toEqual({ 'payments silent': ['firing', 'alert'], 'billing silent': ['ok', null] });

        clock += MINUTE;
        const second = await services.scanner.run();
        expect(states(second)).toEqual({ 'payments silent': ['firing', null], 'billing silent': ['ok', null] });

        // payments' late logs: an old log time, ingested now. They resolve the incident.
        clock += MINUTE;
        es.addDocuments('logs-a', [
          {
            ...logDocument({ time: start - 40 * MINUTE, app: 'payments', key: 'charge', duration: 5 }),
            ingested: new Date(clock - 1000).toISOString(),
          },
        ]);
        const third = await services.scanner.run();
        expect(states(third)).toEqual({ 'payments silent': ['ok', 'resolved'], 'billing silent': ['ok', null] });

        const rows = await ctx.state.db.selectFrom('alert_log').select(['rule_type', 'kind']).orderBy('id').execute();
        expect(rows).toEqual([
          { rule_type: 'absence', kind: 'alert' },
          { rule_type: 'absence', kind: 'resolved' },
        ]);
      },
    );

    it.skipIf(driver.skipReason)('an Elasticsearch that cannot be reached fires no absence rule', async () => {
      let clock = Date.now();
      const { es, world } = await esWorld(() => clock);
      const { ctx, services } = world;
      await ctx.ruleStores.windowRules('absence').create(
        {
          name: 'payments silent',
          app_name: 'payments',
          silent_minutes: 1,
          alert_channels: ['webhook'],
        },
        'test',
      );
      await es.close();
      clock += 5 * MINUTE;
      const report = await services.scanner.run();
      expect(report.status).toBe('failed');
      expect(report.windowSeries).toBeUndefined();
      expect(await ctx.state.db.selectFrom('rule_series').selectAll().execute()).toHaveLength(0);
      expect(await ctx.state.db.selectFrom('alert_log').selectAll().execute()).toHaveLength(0);
      expect(await ctx.state.db.selectFrom('incidents').selectAll().execute()).toHaveLength(0);
    });
  },
);

const sqlite = drivers.find((d) => d.driver === 'sqlite')!;
if (servers.length === 0) {
  describe('window rules over real search servers', () => {
    it.skip('need TEST_SEARCH_SERVERS=flavor=url,...');
  });
}

describe.each(servers.map((s) => [s.flavor, s] as const))('window rules over real %s, on sqlite', (_flavor, server) => {
  let world: ScanWorld | undefined;
  let admin: ClusterAdmin | undefined;
  const prefix = `lwr-${randomBytes(3).toString('hex')}-`;
  afterEach(async () => {
    await world?.close();
    world = undefined;
    await admin?.remove({ indices: [`${prefix}*`], dataStreams: [], templates: [] });
    await admin?.close();
    admin = undefined;
  });

  it('latency (per key, baseline) and absence fire as on the embedded store', async () => {
    const now = Date.now();
    const reference = await embeddedOutcome(sqlite, now);
    admin = await ClusterAdmin.connect(server.url);
    const index = `${prefix}logs`;
    await admin.createIndex(index, {
      mappings: {
        properties: Object.fromEntries(Object.entries(MAPPING).map(([field, type]) => [field, { type }])),
      },
    });
    await admin.bulk(index, scenarioDocuments(now));
    world = await openScanWorld(sqlite, {
      env: {
        LOG_SOURCE: 'elasticsearch',
        ELASTICSEARCH_HOST: server.url,
        ELASTICSEARCH_INDEX_PREFIX: prefix,
        ELASTICSEARCH_TIMEOUT_MS: '30000',
        SCAN_INITIAL_LOOKBACK_MINUTES: '60',
      },
      now: () => now,
    });
    const result = await runScenario(world);
    expectScenarioShape(result);
    expectSameOutcome(result, reference);
  }, 120_000);
});
