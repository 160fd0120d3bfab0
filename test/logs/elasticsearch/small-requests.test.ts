import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EsHttpClient, type EsRequest } from '../../../src/logs/elasticsearch/http-client.js';

/** The probe's kind of request: sent over node:http keep-alive instead of fetch. */
const probe: EsRequest = {
  method: 'POST',
  path: '/logs-*/_search',
  query: { filter_path: 'hits.total' },
  body: { size: 0, terminate_after: 1 },
  maxRetries: 0,
  small: true,
};

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: unknown;
}

type Handler = (seen: Seen, res: ServerResponse) => void;

async function listen(
  handler: Handler,
  tls?: { key: string; cert: string },
): Promise<{ url: string; seen: Seen[]; server: http.Server; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        socket: req.socket,
      };
      seen.push(entry);
      handler(entry, res);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('small requests (node:http keep-alive transport)', () => {
  let client: EsHttpClient | undefined;
  let closeServer: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await closeServer?.();
    closeServer = undefined;
  });

  it('send the same request as fetch does, with auth, and reuse one socket', async () => {
    const server = await listen((_seen, res) => json(res, 200, { hits: { total: { value: 1 } } }));
    closeServer = server.close;
    client = await EsHttpClient.create({
      hosts: [server.url],
      username: 'elastic',
      password: 'pw',
      requestTimeoutMs: 2000,
    });
    const small = await client.request(probe);
    const again = await client.request(probe);
    const viaFetch = await client.request({ ...probe, small: false });
    expect(small.body).toEqual({ hits: { total: { value: 1 } } });
    expect(again.body).toEqual(viaFetch.body);
    const [first, second, third] = server.seen;
    expect(first!.method).toBe('POST');
    expect(first!.url).toBe('/logs-*/_search?filter_path=hits.total');
    expect(JSON.parse(first!.body)).toEqual({ size: 0, terminate_after: 1 });
    expect(first!.headers.authorization).toBe(`Basic ${Buffer.from('elastic:pw').toString('base64')}`);
    expect(first!.headers['content-type']).toBe('application/json');
    expect(first!.headers['accept-encoding']).toBe('identity');
    expect(third!.headers.authorization).toBe(first!.headers.authorization);
    expect(second!.socket).toBe(first!.socket);
  });

  it('errors keep their status and a scrubbed message', async () => {
    const server = await listen((seen, res) =>
      json(res, 401, { error: { type: 'security_exception', reason: `echo ${seen.headers.authorization}` } }),
    );
    closeServer = server.close;
    client = await EsHttpClient.create({ hosts: [server.url], apiKey: 'id:secretkey', requestTimeoutMs: 2000 });
    const error = (await client.request(probe).catch((e: unknown) => e)) as Error & { status?: number };
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/HTTP 401 security_exception: echo ApiKey \*\*\*/);
    expect(error.message).not.toContain(Buffer.from('id:secretkey').toString('base64'));
  });

  it('a gzip answer is read even though an uncompressed one was asked for', async () => {
    const server = await listen((_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ hits: { total: 3 } })));
    });
    closeServer = server.close;
    client = await EsHttpClient.create({ hosts: [server.url], requestTimeoutMs: 2000 });
    expect((await client.request(probe)).body).toEqual({ hits: { total: 3 } });
  });

  it('time out per attempt, and say so', async () => {
    const server = await listen(() => undefined);
    closeServer = server.close;
    client = await EsHttpClient.create({ hosts: [server.url], requestTimeoutMs: 2000 });
    const error = (await client.request({ ...probe, timeoutMs: 150 }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/no answer within 150 ms/);
  });

  it('a refused connection and an answer cut short fail like fetch failures', async () => {
    const cut = await listen((_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"hits":');
      setTimeout(() => res.destroy(), 20);
    });
    closeServer = cut.close;
    client = await EsHttpClient.create({ hosts: [cut.url], requestTimeoutMs: 2000 });
    expect(((await client.request(probe).catch((e: unknown) => e)) as Error).message).toMatch(
      /POST \/logs-\*\/_search on http:\/\/127\.0\.0\.1:\d+: request failed|connection failed \(ECONNRESET\)/,
    );
    await client.close();
    const closed = await listen(() => undefined);
    const url = closed.url;
    await closed.close();
    client = await EsHttpClient.create({ hosts: [url], requestTimeoutMs: 2000 });
    expect(((await client.request(probe).catch((e: unknown) => e)) as Error).message).toMatch(
      /connection failed \(ECONNREFUSED\)/,
    );
  });

  it('a kept-alive socket the server closed meanwhile is replaced, not reported', async () => {
    const server = await listen((_seen, res) => json(res, 200, { hits: { total: 0 } }));
    closeServer = server.close;
    client = await EsHttpClient.create({ hosts: [server.url], requestTimeoutMs: 2000 });
    await client.request(probe);
    server.server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await client.request(probe)).body).toEqual({ hits: { total: 0 } });
    expect(server.seen).toHaveLength(2);
    expect(server.seen[1]!.socket).not.toBe(server.seen[0]!.socket);
  });
});

describe('small requests over HTTPS (ELASTICSEARCH_CA_FILE)', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lagwatch-es-small-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'ca.pem'),
      ].concat(['-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']),
      { stdio: 'ignore' },
    );
    server = await listen((_seen, res) => json(res, 200, { hits: { total: { value: 0 } } }), {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trust the configured CA', async () => {
    const client = await EsHttpClient.create({
      hosts: [server.url],
      caFile: join(dir, 'ca.pem'),
      requestTimeoutMs: 2000,
    });
    try {
      expect((await client.request(probe)).body).toEqual({ hits: { total: { value: 0 } } });
    } finally {
      await client.close();
    }
  });

  it('refuse an unknown CA as a permanent failure naming ELASTICSEARCH_CA_FILE', async () => {
    const client = await EsHttpClient.create({ hosts: [server.url], requestTimeoutMs: 2000 });
    try {
      const before = server.seen.length;
      const error = (await client.request({ ...probe, maxRetries: 3 }).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/TLS verification failed \(.+\): .*ELASTICSEARCH_CA_FILE/);
      expect(error.message).not.toMatch(/gave up after/);
      expect(server.seen.length).toBe(before);
    } finally {
      await client.close();
    }
  });
});
