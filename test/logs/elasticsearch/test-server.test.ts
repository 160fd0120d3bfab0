import { afterEach, describe, expect, it } from 'vitest';
import { EsHttpClient } from '../../../src/logs/elasticsearch/http-client.js';
import { EsTestServer, PERSONAS, type Persona } from '../../support/es-server/index.js';
import { DEFAULT_MAPPING, iso, T0 } from './helpers.js';

/** The test server must answer as the real servers do, or the adapter suite proves nothing. */
describe('the Elasticsearch test server', () => {
  let server: EsTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (persona: Persona) => {
    server = await EsTestServer.start({ persona });
    server.createIndex('logs-1', { ...DEFAULT_MAPPING, message: 'text+keyword' });
    server.addDocuments('logs-1', [
      { '@timestamp': iso(T0), app_name: 'core-service', duration: 5, message: 'Core Service started' },
    ]);
    return server;
  };
  const call = (path: string, init: RequestInit = {}) => fetch(server!.url + path, init);
  const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

  it.each([
    ['es710', false],
    ['es717', true],
    ['es8', true],
    ['es9', true],
    ['os2', false],
    ['os3', false],
  ] as const)(
    '%s: x-elastic-product only on Elasticsearch 7.14+, version and distribution in GET /',
    async (name, header) => {
      const persona = PERSONAS[name];
      await start(persona);
      const response = await call('/');
      expect(response.headers.get('x-elastic-product')).toBe(header ? 'Elasticsearch' : null);
      const body = (await response.json()) as { version: { number: string; distribution?: string } };
      expect(body.version.number).toBe(persona.version);
      expect(body.version.distribution).toBe(persona.distribution === 'opensearch' ? 'opensearch' : undefined);
    },
  );

  it('refuses vendor media types on 7.x and OpenSearch, and mismatched compatible-with on 8.x/9.x', async () => {
    const vendor = (v: number) => `application/vnd.elasticsearch+json; compatible-with=${v}`;
    await start(PERSONAS.es710);
    expect((await call('/logs-1/_count', json({}, { 'content-type': vendor(7), accept: vendor(7) }))).status).toBe(406);
    await server!.close();
    await start(PERSONAS.es8);
    expect((await call('/logs-1/_count', json({}, { 'content-type': vendor(8), accept: vendor(8) }))).status).toBe(200);
    const wrong = await call('/', { headers: { accept: vendor(9) } });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(await wrong.json())).toContain('Accept version must be either version 8 or 7, but found 9');
    const mismatch = await call('/logs-1/_count', json({}, { 'content-type': vendor(7), accept: vendor(8) }));
    expect(mismatch.status).toBe(400);
    await server!.close();
    await start(PERSONAS.es9);
    expect((await call('/', { headers: { accept: vendor(7) } })).status).toBe(400);
    await server!.close();
    await start(PERSONAS.os2);
    expect((await call('/', { headers: { accept: vendor(8) } })).status).toBe(406);
  });

  it('answers errors in the Elasticsearch format', async () => {
    await start(PERSONAS.es8);
    const missing = await call('/nope/_search', json({}));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: {
        root_cause: [{ type: 'index_not_found_exception', reason: 'no such index [nope]' }],
        type: 'index_not_found_exception',
        reason: 'no such index [nope]',
      },
      status: 404,
    });
    const textAgg = await call('/logs-1/_search', json({ size: 0, aggs: { m: { terms: { field: 'message' } } } }));
    expect(textAgg.status).toBe(400);
    expect(JSON.stringify(await textAgg.json())).toContain('Text fields are not optimised');
  });

  it('orders terms by an aggregation path through single-bucket aggregations, and refuses a bad path', async () => {
    await start(PERSONAS.os2);
    server!.addDocuments('logs-1', [
      { '@timestamp': iso(T0), app_name: 'a', message_key: 'few' },
      { '@timestamp': iso(T0), app_name: 'a', message_key: 'few' },
      { '@timestamp': iso(T0), app_name: 'a', message_key: 'few', duration: 1 },
      { '@timestamp': iso(T0), app_name: 'a', message_key: 'many', duration: 1 },
      { '@timestamp': iso(T0), app_name: 'a', message_key: 'many', duration: 2 },
      { '@timestamp': iso(T0), app_name: 'a', message_key: 'also', duration: 3 },
      { '@timestamp': iso(T0), app_name: 'a', message_key: 'also', duration: 4 },
    ]);
    const search = async (order: unknown) =>
      call(
        '/logs-1/_search',
        json({
          size: 0,
          aggs: {
            keys: {
              terms: { field: 'message_key', order },
              aggs: {
                dur: { filter: { range: { duration: { gte: 0 } } }, aggs: { stats: { stats: { field: 'duration' } } } },
              },
            },
          },
        }),
      );
    const answer = await search([{ 'dur>stats.count': 'desc' }, { _key: 'asc' }]);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { aggregations: { keys: { buckets: { key: string; doc_count: number }[] } } };
    // By durations, not documents ("few" has the most documents), then by key.
    expect(body.aggregations.keys.buckets.map((b) => [b.key, b.doc_count])).toEqual([
      ['also', 2],
      ['many', 2],
      ['few', 3],
    ]);
    const bad = await search({ 'nope>stats.count': 'desc' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('Invalid aggregation order path');
  });

  it('compares term queries on text fields with tokens, as Elasticsearch does', async () => {
    await start(PERSONAS.es8);
    const count = async (query: unknown) =>
      ((await (await call('/logs-1/_count', json({ query }))).json()) as { count: number }).count;
    expect(await count({ term: { message: 'Core Service started' } })).toBe(0);
    expect(await count({ term: { message: 'core' } })).toBe(1);
    expect(await count({ term: { 'message.keyword': 'Core Service started' } })).toBe(1);
  });

  it('OpenSearch 2.x has a PIT but refuses _shard_doc; Elasticsearch refuses _shard_doc without a PIT', async () => {
    await start(PERSONAS.os2);
    const pit = (await (await call('/logs-1/_search/point_in_time?keep_alive=1m', { method: 'POST' })).json()) as {
      pit_id: string;
    };
    const refused = await call('/_search', json({ pit: { id: pit.pit_id }, sort: [{ _shard_doc: 'asc' }] }));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('No mapping found for [_shard_doc] in order to sort on');
    expect((await call('/logs-1/_pit?keep_alive=1m', { method: 'POST' })).status).toBe(400);
    await server!.close();
    await start(PERSONAS.es8);
    const withoutPit = await call('/logs-1/_search', json({ sort: [{ _shard_doc: 'asc' }] }));
    expect(withoutPit.status).toBe(400);
    expect(JSON.stringify(await withoutPit.json())).toContain('cannot be used without [point in time]');
  });

  it('drives the client: non-idempotent requests are not re-sent after a lost answer, refused ones are', async () => {
    await start(PERSONAS.es8);
    const client = await EsHttpClient.create({ hosts: [server!.url], requestTimeoutMs: 2000, backoffBaseMs: 1 });
    try {
      server!.dropNext(1);
      await expect(client.request({ method: 'GET', path: '/', idempotent: false })).rejects.toThrow(
        /GET \/ on .*: (connection failed|request failed)/,
      );
      server!.failNext(2, 429);
      expect((await client.request({ method: 'GET', path: '/', idempotent: false })).status).toBe(200);
      server!.dropNext(1);
      expect((await client.request({ method: 'GET', path: '/' })).status).toBe(200);
      expect(server!.requests.filter((r) => r.path === '/')).toHaveLength(6);
    } finally {
      await client.close();
    }
  });
});
