import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsHttpClient } from '../../../src/logs/elasticsearch/http-client.js';
import { capturingLogger } from './helpers.js';

/** A cluster that answers 429 with the scripted Retry-After once per request path, then 200. */
let server: Server;
let url: string;
const retryAfterByPath = new Map<string, string>();
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const retryAfter = retryAfterByPath.get(req.url ?? '');
    if (retryAfter !== undefined) {
      retryAfterByPath.delete(req.url ?? '');
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter });
      res.end(JSON.stringify({ error: { type: 'es_rejected_execution_exception', reason: 'busy' }, status: 429 }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The delay the client chose before its retry, from its own log line. */
async function delayAfter(retryAfter: string, path: string, backoffMaxMs: number): Promise<number> {
  const { logger, lines } = capturingLogger();
  const client = await EsHttpClient.create(
    { hosts: [url], requestTimeoutMs: 2000, backoffBaseMs: 1, backoffMaxMs, maxRetries: 1 },
    logger,
  );
  retryAfterByPath.set(path, retryAfter);
  const answer = await client.request({ method: 'GET', path });
  expect(answer.status).toBe(200);
  const retry = lines.map((line) => JSON.parse(line)).find((entry) => entry.delayMs !== undefined);
  return retry.delayMs as number;
}

describe('Elasticsearch Retry-After', () => {
  it('a hostile value cannot hold a request longer than the backoff maximum', async () => {
    expect(await delayAfter('99999999999999999999', '/a', 50)).toBeLessThanOrEqual(50);
    expect(await delayAfter('Fri, 31 Dec 9999 23:59:59 GMT', '/b', 50)).toBeLessThanOrEqual(50);
  });

  it('garbage and negative values fall back to the backoff', async () => {
    for (const [value, path] of [
      ['-5', '/c'],
      ['soon', '/d'],
      ['1e9', '/e'],
    ]) {
      expect(await delayAfter(value!, path!, 50), value).toBeLessThanOrEqual(50);
    }
  });

  it('an HTTP-date is honoured like delay-seconds', async () => {
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(await delayAfter(inTwoSeconds, '/f', 5000)).toBeGreaterThan(500);
  });
});
