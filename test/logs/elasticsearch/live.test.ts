import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkElasticsearch } from '../../../src/logs/elasticsearch/check.js';
import { EsHttpClient } from '../../../src/logs/elasticsearch/http-client.js';
import { ElasticsearchLogSource } from '../../../src/logs/elasticsearch/source.js';
import { capturingLogger, collect, esConfig, iso, p95Of, rangeScan, T0 } from './helpers.js';

/**
 * A smaller suite against a real cluster: ELASTICSEARCH_TEST_URL (credentials may sit in the URL;
 * ELASTICSEARCH_TEST_API_KEY and ELASTICSEARCH_TEST_CA_FILE are passed on when set). It creates
 * its own index and deletes it afterwards.
 */
const url = process.env.ELASTICSEARCH_TEST_URL;
if (!url) console.warn('[elasticsearch live] SKIPPED: ELASTICSEARCH_TEST_URL is not set');

describe.skipIf(!url)('Elasticsearch adapter against the live cluster at ELASTICSEARCH_TEST_URL', () => {
  const index = `lagwatch-live-${process.pid}-${randomBytes(3).toString('hex')}`;
  const extra: Record<string, string> = { ELASTICSEARCH_INDICES: index };
  if (process.env.ELASTICSEARCH_TEST_API_KEY) extra.ELASTICSEARCH_API_KEY = process.env.ELASTICSEARCH_TEST_API_KEY;
  if (process.env.ELASTICSEARCH_TEST_CA_FILE) extra.ELASTICSEARCH_CA_FILE = process.env.ELASTICSEARCH_TEST_CA_FILE;
  const config = esConfig(url ?? 'http://unused', extra);
  const docs = Array.from({ length: 60 }, (_, i) => ({
    '@timestamp': iso(T0 + (i % 20) * 1000),
    app_name: i % 3 === 0 ? 'billing' : 'core',
    message_key: `key-${i % 4}`,
    duration: i * 10,
    level: i % 5 === 0 ? 'ERROR' : 'info',
    correlation_id: `req-${i % 7}`,
  }));
  let admin: EsHttpClient;
  let source: ElasticsearchLogSource;

  beforeAll(async () => {
    admin = await EsHttpClient.create({
      hosts: config.elasticsearch.hosts,
      apiKey: config.elasticsearch.apiKey,
      caFile: config.elasticsearch.caFile,
      requestTimeoutMs: 30_000,
    });
    await admin.request({
      method: 'PUT',
      path: `/${index}`,
      body: {
        settings: { number_of_shards: 2, number_of_replicas: 0 },
        mappings: {
          properties: {
            '@timestamp': { type: 'date' },
            app_name: { type: 'keyword' },
            message_key: { type: 'text', fields: { keyword: { type: 'keyword' } } },
            duration: { type: 'long' },
            level: { type: 'keyword' },
            correlation_id: { type: 'keyword' },
          },
        },
      },
    });
    for (const doc of docs) await admin.request({ method: 'POST', path: `/${index}/_doc`, body: doc });
    await admin.request({ method: 'POST', path: `/${index}/_refresh` });
    source = await ElasticsearchLogSource.open(config, capturingLogger().logger);
  });

  afterAll(async () => {
    await source?.close();
    await admin?.request({ method: 'DELETE', path: `/${index}`, acceptStatuses: [404] });
    await admin?.close();
  });

  it('scans with pushdown across pages', async () => {
    const batches = await collect(source.scan(rangeScan(T0, T0 + 60_000, { core: 300, billing: 500 }, 7)));
    const found = batches.flatMap((b) => b.candidates);
    const expected = docs.filter((d) => d.duration >= (d.app_name === 'core' ? 300 : 500));
    expect(found).toHaveLength(expected.length);
    expect(new Set(found.map((f) => f.sourceId)).size).toBe(expected.length);
    expect(batches.at(-1)!.scanned).toBe(60);
  });

  it('aggregates as the documents say (p95 within Elasticsearch’s approximation)', async () => {
    const summary = await source.summary({ from: T0, to: T0 + 60_000 });
    expect(summary.totalLogs).toBe(60);
    expect(summary.durationSumMs).toBe(docs.reduce((a, d) => a + d.duration, 0));
    expect(summary.levels).toEqual([
      { level: 'info', count: 48 },
      { level: 'error', count: 12 },
    ]);
    const apps = await source.appStats({ from: T0, to: T0 + 60_000 }, 4);
    const core = apps.find((a) => a.app === 'core')!;
    const coreDurations = docs.filter((d) => d.app_name === 'core').map((d) => d.duration);
    expect(core.count).toBe(40);
    expect(core.maxMs).toBe(Math.max(...coreDurations));
    expect(Math.abs(core.p95Ms! - p95Of(coreDurations)!)).toBeLessThanOrEqual(20);
    expect(core.slowestKeys).toHaveLength(4);
    const series = await source.timeseries({ from: T0, to: T0 + 20_000 }, 10_000);
    expect(series.map((b) => b.count)).toEqual([30, 30]);
  });

  it('traces a correlation id oldest first', async () => {
    const trace = await source.trace('req-3', 100);
    expect(trace).toHaveLength(docs.filter((d) => d.correlation_id === 'req-3').length);
    expect(trace.map((t) => t.time)).toEqual([...trace.map((t) => t.time)].sort((a, b) => a - b));
  });

  it('passes checkElasticsearch', async () => {
    const report = await checkElasticsearch(config, capturingLogger().logger);
    expect(report.problems).toEqual([]);
    expect(report.indices).toEqual([{ name: index, docs: 60 }]);
  });
});
