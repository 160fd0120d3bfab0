import { afterEach, describe, expect, it } from 'vitest';
import { checkElasticsearch } from '../../../src/logs/elasticsearch/check.js';
import { ElasticsearchLogSource } from '../../../src/logs/elasticsearch/source.js';
import { EsTestServer, PERSONAS } from '../../support/es-server/index.js';
import { capturingLogger, collect, DEFAULT_MAPPING, esConfig, FAST_RETRIES, iso, rangeScan, T0 } from './helpers.js';

describe('servers that differ from what their version promises', () => {
  let server: EsTestServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('switches to scroll when a server refuses the _shard_doc sort, and closes the PIT it opened', async () => {
    server = await EsTestServer.start({
      persona: { ...PERSONAS.es717, name: 'Elasticsearch 7.17 without _shard_doc', shardDoc: false },
    });
    server.createIndex('logs-1', DEFAULT_MAPPING);
    server.addDocuments(
      'logs-1',
      Array.from({ length: 7 }, (_, i) => ({ '@timestamp': iso(T0 + i), app_name: 'core', duration: 100 + i })),
    );
    const { logger, lines } = capturingLogger();
    const source = await ElasticsearchLogSource.open(esConfig(server.url), logger, FAST_RETRIES);
    try {
      expect(source.pagingMode).toBe('es-pit');
      const batches = await collect(source.scan(rangeScan(T0, T0 + 60_000, { core: 103 }, 2)));
      expect(batches.flatMap((b) => b.candidates.map((c) => c.durationMs))).toEqual([103, 104, 105, 106]);
      expect(source.pagingMode).toBe('scroll');
      expect(lines.some((l) => l.includes('refuses the _shard_doc sort'))).toBe(true);
      expect(server.stats).toMatchObject({ pitsOpened: 1, pitsClosed: 1, scrollsOpened: 1, scrollsClosed: 1 });
    } finally {
      await source.close();
    }
  });

  it('notes an Elasticsearch 8 that answers without x-elastic-product', async () => {
    server = await EsTestServer.start({ persona: { ...PERSONAS.es8, productHeader: false } });
    server.createIndex('logs-1', DEFAULT_MAPPING);
    const report = await checkElasticsearch(esConfig(server.url), capturingLogger().logger);
    expect(report.ok).toBe(true);
    expect(report.notes.join('\n')).toMatch(/x-elastic-product header is missing/);
  });

  it('health answers not ok, in one attempt, once the cluster is gone', async () => {
    server = await EsTestServer.start({ persona: PERSONAS.es9 });
    server.createIndex('logs-1', DEFAULT_MAPPING);
    const source = await ElasticsearchLogSource.open(esConfig(server.url), capturingLogger().logger, FAST_RETRIES);
    try {
      server.failNext(1, 503);
      const health = await source.health();
      expect(health).toMatchObject({ ok: false, description: 'Elasticsearch 9.1.4', version: '9.1.4' });
      expect(health.error).toMatch(/GET \/_cluster\/health on .*: HTTP 503/);
      expect(server.requests.filter((r) => r.path === '/_cluster/health')).toHaveLength(1);
      server.cluster.healthStatus = 'red';
      expect(await source.health()).toMatchObject({ ok: false, error: 'cluster health is red' });
      server.cluster.healthStatus = 'yellow';
      expect(await source.health()).toMatchObject({ ok: true, description: 'Elasticsearch 9.1.4, cluster yellow' });
    } finally {
      await source.close();
    }
  });

  it('reports an unreachable cluster as a problem, not an exception', async () => {
    server = await EsTestServer.start({ persona: PERSONAS.es8 });
    const url = server.url;
    await server.close();
    server = undefined;
    const report = await checkElasticsearch(esConfig(url), capturingLogger().logger, { backoffBaseMs: 1 });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatch(/GET \/ on http:\/\/127\.0\.0\.1:\d+: connection failed \(ECONNREFUSED\)/);
  });
});
