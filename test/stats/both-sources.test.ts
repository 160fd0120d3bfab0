import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import { driversUnderTest } from '../support/databases.js';
import { ALL_PERSONAS, EsTestServer, type Persona } from '../support/es-server/index.js';
import { documentsOf, generateLogs, HOUR, T0, type TestLog, violationsOf } from './dataset.js';
import { expectSameFigures } from './same-figures.js';
import { insertViolations, iso, type StatsHarness, statsHarness } from './support.js';

const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;

// A smaller copy of the dashboard data set, plus one trace, written to both sources.
const logs: TestLog[] = generateLogs(1_500, 7);
for (const [offset, app] of [
  [40, 'search'],
  [0, 'checkout'],
  [40, 'auth'],
  [95, 'checkout'],
] as const) {
  logs.push({
    time: T0 + HOUR + offset,
    app,
    messageKey: 'step',
    durationMs: 10 + offset,
    level: 'info',
    correlationId: 'trace-1',
  });
}
// Traces for the slowest-traces list: ties, ids of several apps, one with a log past the range.
for (let t = 0; t < 25; t++) {
  for (let i = 0; i <= t % 3; i++) {
    logs.push({
      time: T0 + 30 * 60_000 + t * 7 * 60_000 + i * 20,
      app: ['checkout', 'search', 'auth'][(t + i) % 3]!,
      messageKey: `trace.step.${i}`,
      durationMs: ((t * 13) % 11) * 100 + i,
      level: 'info',
      correlationId: `slow-${String(t).padStart(2, '0')}`,
    });
  }
}
logs.push({
  time: T0 + 5 * HOUR + 30 * 60_000,
  app: 'checkout',
  messageKey: 'late',
  durationMs: 90_000,
  level: 'info',
  correlationId: 'slow-00',
});
const violations = violationsOf(logs);
const FROM = T0 + 17 * 60_000 + 23_456;
const TO = T0 + 5 * HOUR + 3 * 60_000 + 7_890;
const range = `from=${iso(FROM)}&to=${iso(TO)}`;

type Json = Record<string, unknown>;

describe.each(ALL_PERSONAS.map((p) => [p.name, p] as const))(
  'same figures from the embedded store and %s',
  (_name, persona: Persona) => {
    let es: EsTestServer;
    let embedded: StatsHarness;
    let elastic: StatsHarness;

    beforeAll(async () => {
      es = await EsTestServer.start({ persona });
      es.createIndex('logs-2026.01.10', {
        '@timestamp': 'date',
        app_name: 'keyword',
        message_key: 'keyword',
        duration: 'double',
        correlation_id: 'keyword',
        level: 'keyword',
        message: 'text',
      });
      es.addDocuments('logs-2026.01.10', documentsOf(logs));
      const env = { LOG_SOURCE: 'elasticsearch', ELASTICSEARCH_HOST: es.url, ELASTICSEARCH_INDEX_PREFIX: 'logs-' };
      embedded = await statsHarness(sqlite);
      embedded.store.ingestDocuments(documentsOf(logs));
      elastic = await statsHarness(sqlite, {
        env,
        logSource: (config, logger) => ElasticsearchLogSource.open(config, logger),
      });
      await insertViolations(embedded.ctx, violations);
      await insertViolations(elastic.ctx, violations);
    });
    afterAll(async () => {
      await embedded?.close();
      await elastic?.close();
      await es?.close();
    });

    const compare = async (url: string) => {
      const [a, b] = await Promise.all([elastic.get(url), embedded.get(url)]);
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(b.status).toBe(200);
      return [a.body.data, b.body.data] as const;
    };

    it('overview', async () => {
      const [fromEs, fromEmbedded] = await compare(`/dashboard/overview?${range}`);
      expect(fromEmbedded.total_logs).toBeGreaterThan(1000);
      expectSameFigures(fromEs, fromEmbedded);
    });

    it('overview of one app', async () => {
      const [fromEs, fromEmbedded] = await compare(`/dashboard/overview?${range}&app_name=checkout`);
      expect(fromEmbedded.active_apps.apps).toEqual(['checkout']);
      expect(fromEmbedded.total_logs).toBeGreaterThan(100);
      expect(fromEmbedded.violations.total).toBeGreaterThan(0);
      expectSameFigures(fromEs, fromEmbedded);
    });

    it('time series, all apps and one app', async () => {
      for (const query of [`${range}&interval=10m`, `${range}&interval=1h&app_name=checkout`, `${range}`]) {
        const [fromEs, fromEmbedded] = await compare(`/dashboard/timeseries?${query}`);
        expectSameFigures(fromEs, fromEmbedded);
      }
    });

    it('apps', async () => {
      const [fromEs, fromEmbedded] = await compare(`/dashboard/apps?${range}`);
      expectSameFigures(fromEs, fromEmbedded);
    });

    it('slowest traces, all apps and one app', async () => {
      for (const query of [`${range}&limit=15`, `${range}&app_name=search&limit=100`, `${range}&limit=100`]) {
        const [fromEs, fromEmbedded] = await compare(`/monitor/traces/slowest?${query}`);
        expect(fromEmbedded.traces.length).toBeGreaterThan(5);
        expect(fromEs).toEqual(fromEmbedded);
      }
    });

    it('trace (ids are each source’s own)', async () => {
      const [fromEs, fromEmbedded] = await compare('/monitor/trace?correlation_id=trace-1');
      const withoutIds = (trace: { logs: Json[] }) => ({
        ...trace,
        logs: trace.logs.map(({ source_id: _, ...rest }) => rest),
      });
      expect(withoutIds(fromEs)).toEqual(withoutIds(fromEmbedded));
      expect(fromEmbedded.logs.map((l: Json) => l.app_name)).toEqual([
        'checkout',
        expect.any(String),
        expect.any(String),
        'checkout',
      ]);
    });
  },
);
