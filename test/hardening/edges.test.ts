import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/alerts/channels/notifier.js';
import { isPrivateAddress, privateDestinationReason } from '../../src/alerts/channels/private-address.js';
import { WebhookNotifier } from '../../src/alerts/channels/webhook/notifier.js';
import { startHttpServer } from '../../src/http/server.js';
import { notification } from '../alerts/render/sample-notification.js';
import { sqliteDriver, type TestApi, testApi, validTarget } from '../http/support.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/edges');
const T = new Date(Date.now() - 60_000).toISOString();
const ndjson = { 'content-type': 'application/x-ndjson' };
describe.each(drivers)('POST /ingest over $driver', (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver, { env: { INGEST_MAX_CONCURRENT: '1' } });
  });
  afterAll(async () => api?.close());

  it.skipIf(driver.skipReason)(
    'a retry with the same Idempotency-Key stores nothing and answers the first result',
    async () => {
      const payload = `{"@timestamp":"${T}","app_name":"a","duration":5}\n{"@timestamp":"${T}","duration":-1}\n`;
      const send = () =>
        api.app.inject({ method: 'POST', url: '/ingest', payload, headers: { ...ndjson, 'idempotency-key': 'k-1' } });
      const first = await send();
      const again = await send();
      expect(first.json().data).toMatchObject({ accepted: 1, rejected: 1 });
      expect(again.json()).toEqual(first.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
      const other = await api.app.inject({
        method: 'POST',
        url: '/ingest',
        payload: `{"@timestamp":"${T}"}\n`,
        headers: { ...ndjson, 'idempotency-key': 'k-1' },
      });
      expect(other.statusCode).toBe(409);
      const store = await api.ctx.logSource();
      expect((await store.summary({ from: 0, to: Date.now() + 1 })).totalLogs).toBe(1);
    },
  );

  it.skipIf(driver.skipReason)(
    'a locked store answers 503 with Retry-After, /ready names it until a write succeeds',
    async () => {
      const store = await api.ctx.logSource();
      await api.app.inject({ method: 'GET', url: '/ready' });
      const locker = new Database((store as unknown as { path: string }).path);
      locker.exec('BEGIN EXCLUSIVE');
      try {
        const answer = await api.app.inject({
          method: 'POST',
          url: '/ingest',
          payload: `{"@timestamp":"${T}","app_name":"locked"}\n`,
          headers: ndjson,
        });
        expect(answer.statusCode).toBe(503);
        expect(answer.headers['retry-after']).toBe('5');
        expect(answer.json().error).toMatchObject({
          code: 'unavailable',
          message: expect.stringContaining('SQLITE_BUSY'),
        });
        const ready = await api.app.inject({ method: 'GET', url: '/ready' });
        expect(ready.statusCode).toBe(503);
        expect(ready.json().error.message).toContain('log_source');
      } finally {
        locker.exec('ROLLBACK');
        locker.close();
      }
      expect((await store.summary({ from: 0, to: Date.now() + 1 })).totalLogs).toBe(1); // nothing half-written
      const write = await api.app.inject({
        method: 'POST',
        url: '/ingest',
        payload: `{"@timestamp":"${T}"}\n`,
        headers: ndjson,
      });
      expect(write.statusCode).toBe(200);
      expect((await api.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    },
    20_000,
  );
});

describe('Node client errors and ingest slots over a real socket', () => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    api = await testApi(sqliteDriver(), { env: { INGEST_MAX_CONCURRENT: '1' } });
    server = await startHttpServer(api.ctx, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });

  const raw = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write(text));
      let answer = '';
      socket.setEncoding('utf8').on('data', (c: string) => {
        answer += c;
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });

  it('a malformed request line and oversized headers answer in the envelope', async () => {
    for (const [request, status, code] of [
      ['BROKEN\r\n\r\n', 400, 'bad_request'],
      [`GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ] as const) {
      const answer = await raw(request);
      expect(answer.split('\r\n')[0]).toBe(
        `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Request Header Fields Too Large'}`,
      );
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      expect(body).toEqual({ status: 'error', error: { code, message: expect.any(String), details: [] } });
    }
  });

  it('a second ingest while one is being read answers 503 with Retry-After before its body is read', async () => {
    const slow = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => slow.once('connect', resolve));
    // Headers and part of a body: the first ingest holds its slot while its body arrives.
    slow.write(
      `POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n{"@t`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await fetch(`${server.address}/ingest`, {
      method: 'POST',
      headers: ndjson,
      body: `{"@timestamp":"${T}"}\n`,
    });
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    slow.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = await fetch(`${server.address}/ingest`, {
      method: 'POST',
      headers: ndjson,
      body: `{"@timestamp":"${T}"}\n`,
    });
    expect(third.status).toBe(200);
  });
});

describe('WEBHOOK_DENY_PRIVATE', () => {
  it('knows loopback, private, link-local and mapped addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '100.64.0.1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '172.32.0.1']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('refuses private webhooks at creation (422 naming external_id); allows them by default', async () => {
    const denied = await testApi(sqliteDriver(), { env: { WEBHOOK_DENY_PRIVATE: 'true' } });
    const allowed = await testApi(sqliteDriver());
    try {
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://localhost/x',
        'http://[::1]/x',
        'http://169.254.169.254/latest',
        `http://${hostname()}/x`,
      ]) {
        const answer = await denied.app.inject({
          method: 'POST',
          url: '/targets',
          payload: validTarget({ name: url, type: 'webhook', external_id: url }),
        });
        expect(answer.statusCode, url).toBe(422);
        expect(answer.json().error.details[0].field).toBe('external_id');
        const ok = await allowed.app.inject({
          method: 'POST',
          url: '/targets',
          payload: validTarget({ name: url, type: 'webhook', external_id: url }),
        });
        expect(ok.statusCode, url).toBe(201);
      }
      const created = await denied.app.inject({
        method: 'POST',
        url: '/targets',
        payload: validTarget({ name: 'mail' }),
      });
      const moved = await denied.app.inject({
        method: 'PUT',
        url: `/targets/${created.json().data.id}`,
        payload: { type: 'webhook', external_id: 'http://10.0.0.1/' },
      });
      expect(moved.statusCode).toBe(422);
      expect(await denied.ctx.state.db.selectFrom('alert_targets').select('type').execute()).toEqual([
        { type: 'email' },
      ]);
    } finally {
      await denied.close();
      await allowed.close();
    }
  });

  it('checks the resolved address at send time: a name resolving to loopback is refused, permanently', async () => {
    let hits = 0;
    const receiver: Server = createServer((_req, res) => {
      hits++;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      // The machine's own name resolves to a loopback address (/etc/hosts).
      const byName = `http://${hostname()}:${port}/hook`;
      expect(await privateDestinationReason(new URL(byName))).toMatch(/resolves to the private address/);
      // A resolver that never answers holds neither the request nor the send, and allows nothing.
      const hung = privateDestinationReason(new URL('https://hooks.example.com/x'), () => new Promise(() => {}), 50);
      expect(await hung).toMatch(/not resolved within 50 ms/);
      const deny = new WebhookNotifier(undefined, { denyPrivate: true });
      const error = await deny
        .send(notification(), { channel: 'webhook', address: byName, targetId: 1 })
        .catch((e) => e);
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error).toMatchObject({ retryable: false });
      expect(hits).toBe(0);
      await new WebhookNotifier(undefined).send(notification(), { channel: 'webhook', address: byName, targetId: 1 });
      expect(hits).toBe(1);
    } finally {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
