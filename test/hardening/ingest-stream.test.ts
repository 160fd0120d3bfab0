import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.js';
import { type TestApi, testApi } from '../http/support.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';

/*
 * POST /ingest bodies go to the ingest thread chunk by chunk as they arrive (the event loop
 * never holds a whole body): over a real socket, in many chunks, chunked or with a length,
 * plain or gzip, a body is stored whole, once; one past INGEST_MAX_BYTES, or cut off, stores nothing.
 */
const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/ingest-stream');
const T = Date.now() - 60_000;
const MAX_BYTES = 64 * 1024;
const line = (i: number) =>
  `${JSON.stringify({ '@timestamp': new Date(T + i).toISOString(), app_name: 'stream', duration: i % 900 })}\n`;
const ndjsonOf = (from: number, count: number) => Array.from({ length: count }, (_, i) => line(from + i)).join('');

/** A request body that arrives in pieces of `size` bytes, a macrotask apart (no Content-Length: chunked). */
function inPieces(bytes: Buffer, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    async pull(controller) {
      if (offset >= bytes.length) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, 1));
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + size)));
      offset += size;
    },
  });
}

describe.each(drivers)('POST /ingest streamed to the ingest thread over $driver', (driver) => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver, { env: { INGEST_MAX_BYTES: String(MAX_BYTES), INGEST_MAX_CONCURRENT: '4' } });
    server = await startHttpServer(api.ctx, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });
  const stored = async () => (await (await api.ctx.logSource()).summary({ from: 0, to: Date.now() + 1 })).totalLogs;
  const post = (body: Buffer | string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    fetch(`${server.address}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);

  it.skipIf(driver.skipReason)('a body in many pieces, plain or gzip, is stored whole and once', async () => {
    const before = await stored();
    const plain = Buffer.from(ndjsonOf(0, 500));
    expect(plain.length).toBeLessThan(MAX_BYTES);
    const first = await post(inPieces(plain, 777));
    expect(first.status).toBe(200);
    expect(((await first.json()) as { data: unknown }).data).toEqual({ accepted: 500, rejected: 0, errors: [] });
    const zipped = gzipSync(ndjsonOf(500, 300));
    const second = await post(inPieces(zipped, 100), { 'content-encoding': 'gzip' });
    expect(((await second.json()) as { data: unknown }).data).toEqual({ accepted: 300, rejected: 0, errors: [] });
    // With a length, in one piece.
    const third = await post(ndjsonOf(800, 10));
    expect(((await third.json()) as { data: unknown }).data).toEqual({ accepted: 10, rejected: 0, errors: [] });
    expect((await stored()) - before).toBe(810);
  });

  it.skipIf(driver.skipReason)(
    'the Idempotency-Key digest is the body, however it is cut: a retry in other pieces replays',
    async () => {
      const before = await stored();
      const body = Buffer.from(ndjsonOf(1000, 40));
      const key = { 'idempotency-key': `stream-${driver.driver}` };
      const first = await post(inPieces(body, 333), key);
      const again = await post(inPieces(body, 50), key);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toEqual(await first.json());
      const other = await post(inPieces(Buffer.from(ndjsonOf(2000, 40)), 333), key);
      expect(other.status).toBe(409);
      expect((await stored()) - before).toBe(40);
    },
  );

  it.skipIf(driver.skipReason)(
    'past INGEST_MAX_BYTES: 413 and nothing stored, whether the length is announced, streamed or inflated',
    async () => {
      const before = await stored();
      const big = Buffer.from(ndjsonOf(3000, Math.ceil((MAX_BYTES * 1.5) / line(3000).length)));
      expect(big.length).toBeGreaterThan(MAX_BYTES);
      for (const [body, headers] of [
        [big, {}],
        [inPieces(big, 4096), {}],
        [inPieces(gzipSync(big), 1000), { 'content-encoding': 'gzip' }],
      ] as const) {
        const answer = await post(body, headers);
        expect(answer.status).toBe(413);
        expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
      }
      expect(await stored()).toBe(before);
    },
  );

  it.skipIf(driver.skipReason)('a body cut off half-way stores nothing; the next ingest works', async () => {
    const before = await stored();
    const body = ndjsonOf(5000, 200);
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.slice(0, body.length / 2));
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await stored()).toBe(before);
    const next = await post(ndjsonOf(6000, 3));
    expect(((await next.json()) as { data: unknown }).data).toEqual({ accepted: 3, rejected: 0, errors: [] });
    expect((await stored()) - before).toBe(3);
  });
});
