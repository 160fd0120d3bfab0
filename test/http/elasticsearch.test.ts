import { gzipSync } from 'node:zlib';
import { Client, errors as esErrors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScanServices } from '../../src/app/scan-services.js';
import { startHttpServer } from '../../src/http/server.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { type TestApi, testApi } from './support.js';

/*
 * The Elasticsearch bulk API under /elasticsearch, against a real listening lagwatch: the
 * official client 8.x (info, bulk, helpers.bulk) and raw HTTP for each action, filter_path and
 * hostile bodies. Documents land in the store like NDJSON logs and are judged by the same rules.
 */
const drivers = driversUnderTest();
announceSkips(drivers, 'http/elasticsearch');
const TOKEN = 'es-bulk-secret-token';
const MAX_BYTES = 4 * 1024 * 1024;
const NOW = Date.now();
const doc = (i: number, extra: Record<string, unknown> = {}) => ({
  '@timestamp': new Date(NOW - 120_000 + i).toISOString(),
  app_name: 'es-shop',
  message_key: 'GET /cart',
  duration: 100,
  ...extra,
});
const ndjson = (...lines: unknown[]) =>
  `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;

describe.each(drivers)('Elasticsearch bulk API over $driver', (driver) => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let client: Client;
  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver, {
      env: { API_TOKEN: TOKEN, INGEST_MAX_BYTES: String(MAX_BYTES), INGEST_MAX_CONCURRENT: '4' },
    });
    server = await startHttpServer(api.ctx, { port: 0, host: '127.0.0.1' });
    client = new Client({ node: `${server.address}/elasticsearch`, auth: { apiKey: TOKEN } });
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    await api?.close();
  });
  const stored = async () => (await (await api.ctx.logSource()).summary({ from: 0, to: Date.now() + 1 })).totalLogs;
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${server.address}/elasticsearch${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `ApiKey ${TOKEN}`, ...headers },
      body,
    });

  it.skipIf(driver.skipReason)('client.info() sees an Elasticsearch 8 node; GET / stays the dashboard', async () => {
    const info = await client.info();
    expect(info.version.number).toMatch(/^8\.\d+\.\d+$/);
    expect(info.version.build_flavor).toBe('default');
    expect(info.tagline).toBe('You Know, for Search');
    const head = await fetch(`${server.address}/elasticsearch/`, {
      method: 'HEAD',
      headers: { authorization: `ApiKey ${TOKEN}` },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-elastic-product')).toBe('Elasticsearch');
    const root = await fetch(`${server.address}/`);
    expect(root.headers.get('x-elastic-product')).toBeNull();
  });

  it.skipIf(driver.skipReason)(
    'the token is taken as ApiKey, base64 id:key ApiKey and Basic password; others are 401 in ES shape',
    async () => {
      const get = (authorization?: string) =>
        fetch(`${server.address}/elasticsearch/`, { headers: authorization ? { authorization } : {} });
      expect((await get(`ApiKey ${Buffer.from(`id1:${TOKEN}`).toString('base64')}`)).status).toBe(200);
      expect((await get(`Basic ${Buffer.from(`elastic:${TOKEN}`).toString('base64')}`)).status).toBe(200);
      expect((await get(`Bearer ${TOKEN}`)).status).toBe(200);
      const wrong = await get(`Basic ${Buffer.from('elastic:nope').toString('base64')}`);
      expect(wrong.status).toBe(401);
      const body = (await wrong.json()) as { error: { type: string; root_cause: unknown[] }; status: number };
      expect(body).toMatchObject({ status: 401, error: { type: 'security_exception' } });
      expect(JSON.stringify(body)).not.toContain(TOKEN);
      expect(wrong.headers.get('x-elastic-product')).toBe('Elasticsearch');
      // Only the ingestion routes take a shipper credential.
      const rules = await fetch(`${server.address}/rules/app`, { headers: { authorization: `ApiKey ${TOKEN}` } });
      expect(rules.status).toBe(401);
    },
  );

  it.skipIf(driver.skipReason)(
    'client.bulk(): stored documents, per-item errors read by the client as ES ones',
    async () => {
      const before = await stored();
      const answer = await client.bulk({
        refresh: 'wait_for',
        operations: [
          { index: { _index: 'logs-a' } },
          doc(1, { correlation_id: 'es-trace-1', duration: 40 }),
          { create: { _index: 'logs-a', _id: 'given-id' } },
          doc(2, { correlation_id: 'es-trace-1', duration: 60, message_key: 'SELECT cart' }),
          { index: { _index: 'logs-a' } },
          { app_name: 'es-shop', message: 'no time here' },
        ],
      });
      expect(answer.errors).toBe(true);
      expect(answer.items.map((item) => Object.keys(item)[0])).toEqual(['index', 'create', 'index']);
      expect(answer.items[0].index).toMatchObject({ _index: 'logs-a', status: 201, result: 'created', _version: 1 });
      expect(answer.items[0].index?._id).toMatch(/^[\w-]{20}$/);
      expect(answer.items[1].create).toMatchObject({ _id: 'given-id', status: 201 });
      expect(answer.items[2].index).toMatchObject({ status: 400, error: { type: 'document_parsing_exception' } });
      expect(answer.items[2].index?.error?.reason).toMatch(/time/i);
      expect((await stored()) - before).toBe(2);
      const trace = await fetch(`${server.address}/monitor/trace?correlation_id=es-trace-1`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(trace.status).toBe(200);
      expect(JSON.stringify(await trace.json())).toContain('SELECT cart');
    },
  );

  it.skipIf(driver.skipReason)('helpers.bulk() stores every document and a scan finds the slow ones', async () => {
    await api.ctx.appRules.create(
      {
        app_name: 'es-slow',
        max_duration: 500,
        is_active: true,
        alert_channels: ['webhook'],
        cooldown_minutes: 5,
      },
      'test',
    );
    const before = await stored();
    const datasource = Array.from({ length: 1500 }, (_, i) =>
      doc(i, { app_name: 'es-slow', duration: i < 3 ? 900 : 50 }),
    );
    const stats = await client.helpers.bulk({
      datasource,
      onDocument: () => ({ create: { _index: 'logs-b' } }),
      flushBytes: 40_000,
      concurrency: 2,
    });
    expect(stats).toMatchObject({ total: 1500, successful: 1500, failed: 0 });
    expect((await stored()) - before).toBe(1500);
    const services = await createScanServices(api.ctx);
    try {
      const report = await services.scanner.run({ range: { from: NOW - 3_600_000, to: Date.now() } });
      expect(report.violations).toBeGreaterThanOrEqual(3);
    } finally {
      await services.close();
    }
    const violations = await fetch(`${server.address}/monitor/violation/by-app?app_name=es-slow`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(JSON.stringify(await violations.json())).toContain('es-slow');
  });

  it.skipIf(driver.skipReason)('each action type over raw HTTP, with the index from the URL', async () => {
    const before = await stored();
    const response = await post(
      '/from-url/_bulk',
      ndjson(
        { index: {} },
        doc(10),
        { create: { _id: 'c1' } },
        doc(11),
        { update: { _id: 'c1' } },
        { doc: { duration: 1 } },
        { delete: { _id: 'c1' } },
        { frobnicate: { _index: 'x' } },
        { whatever: 1 },
        { index: { _index: 'other' } },
        doc(12),
      ),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-elastic-product')).toBe('Elasticsearch');
    const body = (await response.json()) as {
      errors: boolean;
      items: Record<string, { _index: string; status: number; error?: { type: string } }>[];
    };
    expect(body.errors).toBe(true);
    const summary = body.items.map((item) => {
      const [action, result] = Object.entries(item)[0];
      return [action, result._index, result.status, result.error?.type];
    });
    expect(summary).toEqual([
      ['index', 'from-url', 201, undefined],
      ['create', 'from-url', 201, undefined],
      ['update', 'from-url', 400, 'illegal_argument_exception'],
      ['delete', 'from-url', 400, 'illegal_argument_exception'],
      ['frobnicate', 'x', 400, 'illegal_argument_exception'],
      ['index', 'other', 201, undefined],
    ]);
    expect((await stored()) - before).toBe(3);
  });

  it.skipIf(driver.skipReason)(
    'filter_path=errors,items.*.error keeps only the errors, as Logstash and Filebeat ask',
    async () => {
      const bad = await post(
        '/_bulk?filter_path=errors,items.*.error&refresh=true&pipeline=p&routing=r',
        ndjson({ index: { _index: 'f' } }, doc(20), { index: { _index: 'f' } }, '{"not json'),
      );
      const body = (await bad.json()) as {
        errors: boolean;
        items: { index: { error: { type: string; reason: string } } }[];
      };
      expect(Object.keys(body).sort()).toEqual(['errors', 'items']);
      expect(body.items).toHaveLength(1);
      expect(body.items[0].index.error.reason).toMatch(/invalid JSON/);
      const good = await post('/_bulk?filter_path=errors,items.*.error', ndjson({ index: { _index: 'f' } }, doc(21)));
      expect(await good.json()).toEqual({ errors: false });
      const withStatus = await post(
        '/_bulk?filter_path=errors,items.*.error,items.*.status',
        ndjson({ index: { _index: 'f' } }, doc(22)),
      );
      expect(await withStatus.json()).toEqual({ errors: false, items: [{ index: { status: 201 } }] });
    },
  );

  it.skipIf(driver.skipReason)('hostile bodies: each bad item alone is refused, the body never breaks', async () => {
    const before = await stored();
    const huge = JSON.stringify(doc(30, { message: 'x'.repeat(1_200_000) }));
    const response = await post(
      '/_bulk',
      ndjson({ index: { _index: 'h' } }, huge, '{"index": oops', { index: { _index: 'h' } }, doc(31), {
        index: { _index: 'h' },
      }),
    );
    expect(response.status).toBe(200);
    const items = (
      (await response.json()) as { items: Record<string, { status: number; error?: { reason: string } }>[] }
    ).items.map((item) => Object.values(item)[0]);
    expect(items.map((item) => item.status)).toEqual([400, 400, 201, 400]);
    expect(items[0].error?.reason).toMatch(/longer than/);
    expect(items[1].error?.reason).toMatch(/not valid JSON/);
    expect(items[3].error?.reason).toMatch(/no document line/);
    expect((await stored()) - before).toBe(1);
  });

  it.skipIf(driver.skipReason)(
    'a gzip bomb is 413, a wrong content type 415, an empty body 400, all in ES shape',
    async () => {
      const before = await stored();
      const bomb = gzipSync(
        Buffer.concat([Buffer.from(ndjson({ index: { _index: 'b' } }, doc(40))), Buffer.alloc(MAX_BYTES * 2, 0x20)]),
      );
      const big = await post('/_bulk', bomb, { 'content-encoding': 'gzip' });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { status: number }).status).toBe(413);
      const zipped = await post('/_bulk', gzipSync(ndjson({ index: { _index: 'b' } }, doc(41))), {
        'content-encoding': 'gzip',
        'content-type': 'application/vnd.elasticsearch+x-ndjson; compatible-with=8',
      });
      expect(zipped.status).toBe(200);
      const wrongType = await post('/_bulk', ndjson({ index: {} }, doc(42)), { 'content-type': 'text/csv' });
      expect(wrongType.status).toBe(415);
      expect(await wrongType.json()).toMatchObject({
        status: 415,
        error: { type: 'media_type_header_exception', root_cause: [expect.any(Object)] },
      });
      const empty = await post('/_bulk', '\n');
      expect(empty.status).toBe(400);
      expect(await empty.json()).toMatchObject({
        status: 400,
        error: { reason: expect.stringContaining('no requests') },
      });
      expect((await stored()) - before).toBe(1);
    },
  );

  it.skipIf(driver.skipReason)('an Idempotency-Key replays the same items and stores nothing twice', async () => {
    const before = await stored();
    const body = ndjson({ index: { _index: 'i' } }, doc(50), { index: { _index: 'i' } }, { nope: true });
    const headers = { 'idempotency-key': `es-${driver.driver}` };
    const first = await post('/_bulk', body, headers);
    const again = await post('/_bulk', body, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const strip = (b: { took: number }) => ({ ...b, took: 0 });
    expect(strip((await again.json()) as { took: number })).toEqual(strip((await first.json()) as { took: number }));
    expect((await stored()) - before).toBe(1);
  });

  it.skipIf(driver.skipReason)('unknown paths under the prefix answer 404 in ES shape', async () => {
    const response = await fetch(`${server.address}/elasticsearch/logs/_search`, {
      headers: { authorization: `ApiKey ${TOKEN}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, error: { type: expect.any(String) } });
  });
});

describe('Elasticsearch bulk API back-pressure', () => {
  const sqlite = drivers.find((d) => d.driver === 'sqlite')!;
  it('a full house answers 429 es_rejected_execution_exception with Retry-After, read by the client as a ResponseError', async () => {
    const api = await testApi(sqlite, { env: { INGEST_MAX_CONCURRENT: '1' } });
    const server = await startHttpServer(api.ctx, { port: 0, host: '127.0.0.1' });
    try {
      // One ingest whose body never ends holds the only slot.
      const stalled = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(ndjson({ index: { _index: 'x' } })));
        },
      });
      const aborter = new AbortController();
      void fetch(`${server.address}/elasticsearch/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: stalled,
        duplex: 'half',
        signal: aborter.signal,
      } as RequestInit).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const busy = await fetch(`${server.address}/elasticsearch/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: ndjson({ index: { _index: 'x' } }, doc(60)),
      });
      expect(busy.status).toBe(429);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await busy.json()).toMatchObject({ status: 429, error: { type: 'es_rejected_execution_exception' } });
      const client = new Client({ node: `${server.address}/elasticsearch`, maxRetries: 0 });
      await expect(client.bulk({ operations: [{ index: { _index: 'x' } }, doc(61)] })).rejects.toBeInstanceOf(
        esErrors.ResponseError,
      );
      await client.close();
      aborter.abort();
    } finally {
      await server.close();
      await api.close();
    }
  });
});
