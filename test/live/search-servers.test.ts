import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app/create-context.js';
import { createScanServices } from '../../src/app/scan-services.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { checkElasticsearch } from '../../src/logs/elasticsearch/check.js';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import type { ScanRequest } from '../../src/logs/source.js';
import { capturingLogger, collect } from '../logs/elasticsearch/helpers.js';
import { documentsOf, generateLogs, HOUR, T0, type TestLog, violationsOf } from '../stats/dataset.js';
import { expectSameFigures } from '../stats/same-figures.js';
import { insertViolations, iso, type StatsHarness, statsHarness } from '../stats/support.js';
import { lagwatch } from '../support/cli.js';
import { driversUnderTest } from '../support/databases.js';
import { startChannelPeers } from '../support/scan-harness/channel-peers.js';
import { deliverAll, FAST_PACING, openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { ClusterAdmin, liveServers } from './real-cluster.js';

/**
 * The Elasticsearch/OpenSearch adapter against real servers, one block per server in
 * TEST_SEARCH_SERVERS, over what users' clusters hold: indices under one prefix mapped
 * differently (dynamic mapping; an index template with keyword fields and a float duration), a
 * decoy index outside the prefix, an alias over them, and on OpenSearch a data stream.
 */
const servers = liveServers();
const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
const MINUTE = 60_000;

/** Integer durations: exact in a `float` field and in a dynamically mapped `long`. */
const logs: TestLog[] = generateLogs(1_800, 23).map((l) => ({
  ...l,
  durationMs: l.durationMs === null ? null : Math.max(1, Math.round(l.durationMs)),
}));
for (const [offset, app] of [
  [40, 'search'],
  [0, 'checkout'],
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
const documents = documentsOf(logs);
const FROM = T0 + 17 * MINUTE + 23_456;
const TO = T0 + 5 * HOUR + 3 * MINUTE + 7_890;
const range = `from=${iso(FROM)}&to=${iso(TO)}`;

// Without servers the file still reports itself, as skipped (an empty file fails the run).
if (servers.length === 0) {
  describe('real search servers', () => {
    it.skip('need TEST_SEARCH_SERVERS=flavor=url,... (npm run -s search:start -- <flavor> <port>)');
  });
}

describe.each(servers.map((s) => [s.flavor, s] as const))('real %s', (_flavor, server) => {
  const run = randomBytes(3).toString('hex');
  const prefix = `lw-${run}-`;
  const decoy = `decoy-${run}`;
  const dataStream = `${prefix}stream`;
  let admin: ClusterAdmin;
  let distribution: 'opensearch' | 'elasticsearch';
  const env = (extra: Record<string, string> = {}) => ({
    LOG_SOURCE: 'elasticsearch',
    ELASTICSEARCH_HOST: server.url,
    ELASTICSEARCH_INDEX_PREFIX: prefix,
    ELASTICSEARCH_TIMEOUT_MS: '30000',
    ...extra,
  });

  beforeAll(async () => {
    admin = await ClusterAdmin.connect(server.url);
    distribution = (await admin.info()).distribution;
    // Dynamic mapping: strings become text + .keyword, the integer duration a long.
    const dynamic = `${prefix}dynamic-2026.01.10`;
    // An index template with keyword fields and a float duration.
    await admin.putIndexTemplate(`${prefix}typed`, {
      index_patterns: [`${prefix}typed-*`],
      priority: 500,
      template: {
        settings: { number_of_shards: 2, number_of_replicas: 0 },
        mappings: {
          properties: {
            '@timestamp': { type: 'date' },
            app_name: { type: 'keyword' },
            message_key: { type: 'keyword' },
            duration: { type: 'float' },
            level: { type: 'keyword' },
            correlation_id: { type: 'keyword' },
            message: { type: 'text' },
          },
        },
      },
    });
    const typed = `${prefix}typed-2026.01.10`;
    const parts: [string, Record<string, unknown>[], boolean][] = [
      [dynamic, [], false],
      [typed, [], false],
    ];
    if (distribution === 'opensearch') {
      await admin.putIndexTemplate(`${prefix}stream`, {
        index_patterns: [`${dataStream}*`],
        data_stream: {},
        priority: 500,
        template: { settings: { number_of_shards: 1, number_of_replicas: 0 } },
      });
      parts.push([dataStream, [], true]);
    }
    documents.forEach((doc, i) => {
      parts[i % parts.length]![1].push(doc);
    });
    await admin.createIndex(dynamic);
    for (const [target, docs, create] of parts) await admin.bulk(target, docs, { create });
    await admin.createIndex(decoy);
    await admin.bulk(decoy, documents.slice(0, 300));
    // An alias under the prefix over both indices: the pattern matches it too.
    await admin.addAlias(dynamic, `${prefix}all`);
    await admin.addAlias(typed, `${prefix}all`);
  }, 120_000);

  afterAll(async () => {
    await admin?.remove({
      indices: [`${prefix}*`, decoy],
      dataStreams: distribution === 'opensearch' ? [dataStream] : [],
      templates: [`${prefix}typed`, `${prefix}stream`],
    });
    await admin?.close();
  });

  it('check:elasticsearch sees every index under the prefix, not the decoy, and no mapping problem', async () => {
    const report = await checkElasticsearch(configFor(env()), capturingLogger().logger);
    expect(report.problems).toEqual([]);
    expect(report.distribution).toBe(distribution);
    expect(report.indices.map((i) => i.name).some((n) => n.includes(decoy))).toBe(false);
    expect(report.indices.reduce((sum, i) => sum + i.docs, 0)).toBe(documents.length);
    if (distribution === 'opensearch') expect(report.indices.some((i) => i.name.startsWith('.ds-'))).toBe(true);
    const app = report.fieldCheck.find((c) => c.field === 'app_name')!;
    expect(app.ok).toBe(true);
    expect(app.message).toMatch(/text .* keyword/);
  });

  describe('figures', () => {
    let embedded: StatsHarness;
    let elastic: StatsHarness;
    beforeAll(async () => {
      const violations = violationsOf(logs);
      embedded = await statsHarness(sqlite);
      embedded.store.ingestDocuments(documents);
      elastic = await statsHarness(sqlite, {
        env: env(),
        logSource: (config, logger) => ElasticsearchLogSource.open(config, logger),
      });
      await insertViolations(embedded.ctx, violations);
      await insertViolations(elastic.ctx, violations);
    });
    afterAll(async () => {
      await embedded?.close();
      await elastic?.close();
    });

    const compare = async (url: string) => {
      const [a, b] = await Promise.all([elastic.get(url), embedded.get(url)]);
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(b.status).toBe(200);
      return [a.body.data, b.body.data] as const;
    };

    it('overview, time series, apps and traces equal the embedded store’s on the same data (p95 within 1 %)', async () => {
      const [overview, overviewEmbedded] = await compare(`/dashboard/overview?${range}`);
      expect(overviewEmbedded.total_logs).toBeGreaterThan(1_000);
      expectSameFigures(overview, overviewEmbedded);
      for (const query of [`${range}&interval=10m`, `${range}&interval=1h&app_name=checkout`, range]) {
        const [series, seriesEmbedded] = await compare(`/dashboard/timeseries?${query}`);
        expectSameFigures(series, seriesEmbedded);
      }
      const [apps, appsEmbedded] = await compare(`/dashboard/apps?${range}`);
      expectSameFigures(apps, appsEmbedded);
      const [trace, traceEmbedded] = await compare('/monitor/trace?correlation_id=trace-1');
      const withoutIds = (t: { logs: Record<string, unknown>[] }) => t.logs.map(({ source_id: _, ...rest }) => rest);
      expect(withoutIds(trace)).toEqual(withoutIds(traceEmbedded));
      expect(trace.logs).toHaveLength(3);
      const [slowest, slowestEmbedded] = await compare(`/monitor/traces/slowest?${range}`);
      expect(slowestEmbedded.traces.length).toBeGreaterThan(0);
      expect(slowest).toEqual(slowestEmbedded);
    });

    it('the server status names the real server', async () => {
      const answer = await elastic.get('/monitor/server');
      expect(answer.status).toBe(200);
      expect(JSON.stringify(answer.body.data)).toContain((await admin.info()).version);
    });
  });

  describe('scanning', () => {
    let world: ScanWorld;
    let peers: Awaited<ReturnType<typeof startChannelPeers>>;
    const chat = '4242';
    beforeAll(async () => {
      peers = await startChannelPeers(chat);
      world = await openScanWorld(sqlite, { env: env(peers.env), notifiers: FAST_PACING });
      await world.ctx.messageRules.create(
        {
          app_name: 'checkout',
          message_key: 'payment.capture',
          max_duration: 2000,
          alert_channels: ['telegram_chat'],
        },
        'test',
      );
      await world.ctx.appRules.create(
        { app_name: 'checkout', max_duration: 1500, alert_channels: ['telegram_chat'] },
        'test',
      );
      await world.ctx.appRules.create(
        { app_name: 'search', max_duration: 800, alert_channels: ['telegram_chat'] },
        'test',
      );
    });
    afterAll(async () => {
      await world?.close();
      await peers?.close();
    });

    it('records every violation of every index exactly once and sends one grouped alert per rule', async () => {
      const expected = violationsOf(logs);
      const window = { from: T0, to: T0 + 7 * HOUR };
      const first = await world.services.scanner.run({ range: window });
      expect(first.status, first.error).toBe('success');
      expect(first.violations).toBe(expected.length);
      const again = await world.services.scanner.run({ range: window });
      expect(again.violations).toBe(0);
      const rows = await world.ctx.state.db.selectFrom('violations').select(['source_id', 'rule_type']).execute();
      expect(rows).toHaveLength(expected.length);
      expect(rows.some((r) => r.source_id.startsWith(decoy))).toBe(false);
      await deliverAll(world.services);
      const messages = peers.standIn.messagesTo(chat);
      const rules = new Set(expected.map((v) => `${v.ruleType}:${v.app}`));
      expect(messages).toHaveLength(rules.size);
      for (const m of messages) expect(m.text).toMatch(/checkout|search/);
    });

    it('catches documents that become visible late, once, and resumes exactly after a restart mid-scan', async () => {
      const late = `${prefix}late-1`;
      await admin.createIndex(late, { settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: -1 } });
      const lateWorld = await openScanWorld(sqlite, {
        env: env({
          ELASTICSEARCH_INDICES: `${prefix}late-*`,
          SCAN_INITIAL_LOOKBACK_MINUTES: '30',
          SCAN_BATCH_SIZE: '10',
        }),
      });
      try {
        await lateWorld.ctx.appRules.create(
          { app_name: 'late-app', max_duration: 100, alert_channels: ['webhook'] },
          'test',
        );
        const now = Date.now();
        const doc = (i: number, ageMs: number) => ({
          '@timestamp': iso(now - ageMs),
          app_name: 'late-app',
          duration: 500 + i,
          message: `late ${i}`,
        });
        await admin.bulk(late, [doc(0, 20_000)], { refresh: false });
        expect((await lateWorld.services.scanner.run()).violations).toBe(0); // not visible yet
        await admin.refresh(late);
        expect((await lateWorld.services.scanner.run()).violations).toBe(1);
        expect((await lateWorld.services.scanner.run()).violations).toBe(0);

        // 95 more, 12 minutes late: a scan cut after its first batch, then a new process.
        await admin.bulk(
          late,
          Array.from({ length: 95 }, (_, i) => doc(i + 1, 12 * MINUTE)),
        );
        const abort = new AbortController();
        const cut = await lateWorld.services.scanner.run({
          signal: abort.signal,
          onProgress: () => abort.abort(),
        });
        expect(cut.status).toBe('failed');
        expect(cut.error).toMatch(/interrupted/);
        const restarted = createAppContext(lateWorld.config, createLogger({ logLevel: 'silent' }));
        try {
          const services = await createScanServices(restarted);
          const resumed = await services.scanner.run();
          expect(resumed.status, resumed.error).toBe('success');
          await services.close();
        } finally {
          await restarted.close();
        }
        const rows = await lateWorld.ctx.state.db.selectFrom('violations').select('source_id').execute();
        expect(rows).toHaveLength(96);
        expect(new Set(rows.map((r) => r.source_id)).size).toBe(96);
      } finally {
        await lateWorld.close();
      }
    });
  });

  it('date and date_nanos indices under one prefix page exactly, and traces sort them together', async () => {
    const nanos = `${prefix}nanos-1`;
    const millis = `${prefix}millis-1`;
    const mapping = (time: string) => ({
      mappings: {
        properties: {
          '@timestamp': { type: time },
          app_name: { type: 'keyword' },
          duration: { type: 'long' },
          correlation_id: { type: 'keyword' },
        },
      },
    });
    await admin.createIndex(nanos, mapping('date_nanos'));
    await admin.createIndex(millis, mapping('date'));
    const base = '2026-02-01T10:00:00.123';
    // 60 documents in one millisecond, told apart only by nanoseconds.
    await admin.bulk(
      nanos,
      Array.from({ length: 60 }, (_, i) => ({
        '@timestamp': `${base}${String(100_000 + i).slice(1)}Z`,
        app_name: 'nano-app',
        duration: 1000 + i,
        correlation_id: 'mixed-trace',
      })),
    );
    await admin.bulk(
      millis,
      Array.from({ length: 20 }, (_, i) => ({
        '@timestamp': `2026-02-01T10:00:00.${String(100 + i)}Z`,
        app_name: 'nano-app',
        duration: 2000 + i,
        correlation_id: 'mixed-trace',
      })),
    );
    const source = await ElasticsearchLogSource.open(
      configFor(env({ ELASTICSEARCH_INDICES: `${prefix}nanos-*,${prefix}millis-*` })),
      capturingLogger().logger,
    );
    try {
      const from = Date.parse('2026-02-01T10:00:00Z');
      const request: ScanRequest = {
        mode: 'range',
        range: { from, to: from + 1000 },
        batchSize: 7,
        thresholds: new Map([['nano-app', 1]]),
      };
      const batches = await collect(source.scan(request));
      const ids = batches.flatMap((b) => b.candidates.map((c) => c.sourceId));
      expect(ids).toHaveLength(80);
      expect(new Set(ids).size).toBe(80);
      expect(batches.length).toBeGreaterThanOrEqual(12);
      const trace = await source.trace('mixed-trace', 1000);
      expect(trace).toHaveLength(80);
      expect(trace.map((t) => t.time)).toEqual(trace.map((t) => t.time).sort((a, b) => a - b));
    } finally {
      await source.close();
    }
  });

  it('2,000 apps with distinct thresholds: within the clause limit, about one document per violation', async () => {
    const many = `${prefix}many-1`;
    await admin.createIndex(many, {
      mappings: {
        properties: { '@timestamp': { type: 'date' }, app_name: { type: 'keyword' }, duration: { type: 'long' } },
      },
    });
    const thresholds = new Map<string, number>();
    const docs: object[] = [];
    const at = iso(Date.parse('2026-03-01T00:00:00Z'));
    for (let i = 0; i < 2_000; i++) {
      const app = `app-${i}`;
      const threshold = 100 + i * 3;
      thresholds.set(app, threshold);
      docs.push({ '@timestamp': at, app_name: app, duration: threshold + 1 });
      for (let j = 1; j <= 4; j++)
        docs.push({ '@timestamp': at, app_name: app, duration: Math.floor(threshold / (1 + j)) });
    }
    await admin.bulk(many, docs);
    const source = await ElasticsearchLogSource.open(
      configFor(env({ ELASTICSEARCH_INDICES: `${prefix}many-*` })),
      capturingLogger().logger,
    );
    try {
      const from = Date.parse(at);
      const batches = await collect(
        source.scan({ mode: 'range', range: { from, to: from + 1000 }, batchSize: 5000, thresholds }),
      );
      const candidates = batches.flatMap((b) => b.candidates);
      const violations = candidates.filter((c) => c.durationMs! > thresholds.get(c.app!)!);
      expect(violations).toHaveLength(2_000);
      expect(candidates.length / violations.length).toBeLessThanOrEqual(1.2);
      expect(batches.at(-1)!.scanned).toBe(10_000);
    } finally {
      await source.close();
    }
  });

  it('diagnose reports the real server', async () => {
    const world = await openScanWorld(sqlite, { env: env() });
    try {
      const result = await lagwatch(['diagnose', '--json'], { ...world.env }, world.dir);
      const { checks } = JSON.parse(result.stdout) as { checks: { check: string; status: string; detail: string }[] };
      const source = checks.find((c) => c.check === 'log source')!;
      expect(source.status, source.detail).toBe('ok');
      expect(source.detail).toContain((await admin.info()).version);
    } finally {
      await world.close();
    }
  });

  it('leaves no search context open (scroll, point in time)', async () => {
    // Contexts are released as requests end; give the node a moment to count them down.
    let contexts = await admin.openSearchContexts();
    for (let i = 0; i < 20 && contexts.open + contexts.scroll + contexts.pit > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      contexts = await admin.openSearchContexts();
    }
    expect(contexts).toEqual({ open: 0, scroll: 0, pit: 0 });
  });
});

function configFor(env: Record<string, string>) {
  return loadConfig({ LOG_LEVEL: 'silent', ...env }, undefined);
}
