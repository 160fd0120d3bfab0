import { afterEach, describe, expect, it } from 'vitest';
import { ElasticsearchLogSource } from '../../../src/logs/elasticsearch/source.js';
import { EsTestServer, PERSONAS, type Persona } from '../../support/es-server/index.js';
import { FaultProxy } from '../../support/fault-proxy.js';
import { capturingLogger, collect, DEFAULT_MAPPING, esConfig, iso, rangeScan, T0 } from './helpers.js';

/**
 * The fault proxy (test/support/fault-proxy.ts) in front of the stand-in: each fault reaches the
 * client as the real thing would, and the adapter's PIT paging (which only the stand-in's
 * Elasticsearch 7.12+ personas use here) survives a lost point in time without gap or duplicate.
 */
describe('the fault proxy', () => {
  let server: EsTestServer;
  let proxy: FaultProxy;
  afterEach(async () => {
    await proxy?.close();
    await server?.close();
  });

  const start = async (persona: Persona = PERSONAS.os2, docs = 20) => {
    server = await EsTestServer.start({ persona });
    server.createIndex('logs-1', DEFAULT_MAPPING);
    server.addDocuments(
      'logs-1',
      Array.from({ length: docs }, (_, i) => ({ '@timestamp': iso(T0 + i), app_name: 'core', duration: 500 + i })),
    );
    proxy = await FaultProxy.start(server.url);
  };
  const search = (path = '/logs-1/_search', body: object = { size: 100 }, signal?: AbortSignal) =>
    fetch(proxy.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  it('rewrites real answers as partial ones, and refuses with the real error bodies', async () => {
    await start();
    proxy.inject('failed-shards', { path: /_search$/ });
    proxy.inject('timed-out', { path: /_search$/ });
    const failed = (await (await search()).json()) as { _shards: { failed: number }; hits: { hits: unknown[] } };
    expect(failed._shards.failed).toBe(1);
    expect(failed.hits.hits).toHaveLength(10);
    const timedOut = (await (await search()).json()) as { timed_out: boolean; hits: { hits: unknown[] } };
    expect(timedOut.timed_out).toBe(true);
    expect(timedOut.hits.hits).toHaveLength(10);
    const whole = (await (await search()).json()) as { timed_out: boolean; hits: { hits: unknown[] } };
    expect(whole.hits.hits).toHaveLength(20);

    const seenBefore = server.requests.length;
    proxy.inject('rejected-429', { path: /_search$/ }, 1, { retryAfterSeconds: 2 });
    proxy.inject('unavailable-503', { path: /_search$/ });
    const rejected = await search();
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('retry-after')).toBe('2');
    expect(((await rejected.json()) as { error: { type: string } }).error.type).toBe('es_rejected_execution_exception');
    const unavailable = await search();
    expect(unavailable.status).toBe(503);
    expect(((await unavailable.json()) as { status: number }).status).toBe(503);
    expect(server.requests.length).toBe(seenBefore); // refused before reaching the server
    expect(proxy.unused).toBe(0);
  });

  it('cuts, truncates, resets and stalls; only the requests matching the pattern, only N of them', async () => {
    await start();
    proxy.inject('cut', { path: /_search$/ }, 2);
    await expect((await search()).text()).rejects.toThrow();
    expect((await search('/logs-1/_count', { query: { match_all: {} } })).status).toBe(200); // not matching
    await expect((await search()).text()).rejects.toThrow();
    expect((await search()).status).toBe(200); // the third is left alone

    proxy.inject('truncated', { path: /_search$/ });
    const truncated = await search();
    expect(truncated.status).toBe(200);
    await expect(truncated.json()).rejects.toThrow(SyntaxError);

    const seen = server.requests.length;
    proxy.inject('reset', { path: /_search$/ });
    await expect(search()).rejects.toThrow();
    expect(server.requests.length).toBe(seen + 1); // the server did the work; its answer was lost

    proxy.inject('stall', { path: /_search$/ });
    const started = Date.now();
    await expect(search('/logs-1/_search', { size: 1 }, AbortSignal.timeout(300))).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(proxy.applied('cut')).toBe(2);
    expect(proxy.applied('stall')).toBe(1);
  });

  it('acts out a node restart: refused for a while, then the scroll is gone with the server’s own 404', async () => {
    await start();
    proxy.restartNodeAfter({ path: /_search$/ }, 300);
    const first = (await (await search('/logs-1/_search?scroll=1m', { size: 5 })).json()) as { _scroll_id: string };
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(search('/_search/scroll', { scroll_id: first._scroll_id })).rejects.toThrow(/fetch failed/);
    await proxy.clear(); // waits until the node is back
    const lost = await search('/_search/scroll', { scroll: '1m', scroll_id: first._scroll_id });
    expect(lost.status).toBe(404);
    expect(await lost.text()).toMatch(/search_context_missing_exception/);
    expect(server.cluster.openScrolls).toBe(0);
  });

  describe.each([
    ['Elasticsearch 8 (PIT paging)', PERSONAS.es8],
    ['OpenSearch 2 (scroll paging)', PERSONAS.os2],
  ])('the adapter through it, %s', (_name, persona) => {
    const scanThrough = async () => {
      const source = await ElasticsearchLogSource.open(
        esConfig(proxy.url, { ELASTICSEARCH_INDEX_PREFIX: 'logs-' }),
        capturingLogger().logger,
        { maxRetries: 10, backoffBaseMs: 10, backoffMaxMs: 50, retryBudgetMs: 5000 },
      );
      try {
        const batches = await collect(source.scan(rangeScan(T0, T0 + 60_000, { core: 100 }, 5)));
        return batches.flatMap((b) => b.candidates.map((c) => c.sourceId));
      } finally {
        await source.close();
      }
    };
    const expectEachOnce = (ids: string[]) => {
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
      expect(server.cluster.openPits).toBe(0);
      expect(server.cluster.openScrolls).toBe(0);
    };
    const pit = persona.distribution === 'elasticsearch' && persona.shardDoc;
    const page = pit ? /^\/_search$/ : /^\/_search\/scroll$/;

    it('a node restart mid-window: the window is read again in a new snapshot, each log once', async () => {
      await start(persona);
      proxy.restartNodeAfter({ path: page }, 200);
      const ids = await scanThrough();
      expect(proxy.applied('restart')).toBe(1);
      expectEachOnce(ids);
      // The lost context answered the server's own 404 and the window was opened a second time.
      expect(server.stats.pitsOpened + server.stats.scrollsOpened).toBe(2);
    });

    it('a page whose answer is cut: a PIT page is asked again, a scroll is read again from the start', async () => {
      await start(persona);
      proxy.inject('cut', { path: page, method: 'POST' }, 1);
      proxy.inject('failed-shards', { path: page, method: 'POST' }, 1);
      const ids = await scanThrough();
      expect(proxy.unused).toBe(0);
      expectEachOnce(ids);
      const opened = server.stats.pitsOpened + server.stats.scrollsOpened;
      expect(opened).toBe(pit ? 1 : 3);
    });
  });
});
