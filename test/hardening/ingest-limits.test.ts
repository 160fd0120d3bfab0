import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.js';
import { type TestApi, testApi } from '../http/support.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';

/*
 * The limits of a POST /ingest body, tried by real clients over real sockets: a body that stalls
 * or trickles loses its slot (408, nothing stored) so that other ingests go on; a small gzip body
 * of millions of lines stops at INGEST_MAX_LINES (413) without building them all.
 */
const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/ingest-limits');
const T = Date.now() - 60_000;
const line = (i: number) =>
  `${JSON.stringify({ '@timestamp': new Date(T + i).toISOString(), app_name: 'limits', duration: i % 900 })}\n`;

interface RawAnswer {
  status: number;
  text: string;
}

/** A client that sends the head of a POST /ingest (and maybe some body), then what the test says. */
async function rawIngest(
  port: number,
  headers: Record<string, string>,
  body = '',
): Promise<{ socket: Socket; answer: Promise<RawAnswer> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const answer = new Promise<RawAnswer>((resolve) => {
    let text = '';
    socket.on('data', (data) => {
      text += String(data);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
  });
  const head = Object.entries({ Host: '127.0.0.1', ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST /ingest HTTP/1.1\r\n${head}\r\n${body}`);
  return { socket, answer };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(drivers)('POST /ingest body limits over $driver', (driver) => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver, {
      env: {
        INGEST_MAX_CONCURRENT: '2',
        INGEST_BODY_IDLE_TIMEOUT_SECONDS: '1',
        INGEST_BODY_TIMEOUT_SECONDS: '3',
      },
    });
    server = await startHttpServer(api.ctx, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });
  const stored = async () => (await (await api.ctx.logSource()).summary({ from: 0, to: Date.now() + 1 })).totalLogs;
  const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${server.address}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...headers },
      body,
    });

  it.skipIf(driver.skipReason)(
    'two stalled uploads hold both slots only until the idle timeout: 408 each, nothing stored, then ingest works',
    async () => {
      const before = await stored();
      const stalled = [
        await rawIngest(server.port, { 'Content-Type': 'application/x-ndjson', 'Content-Length': '100000' }),
        // Some whole lines first, then nothing more: none of them is stored.
        await rawIngest(
          server.port,
          { 'Content-Type': 'application/x-ndjson', 'Content-Length': '100000' },
          `${line(1)}${line(2)}`,
        ),
      ];
      await sleep(100);
      const meanwhile = await post(line(3));
      expect(meanwhile.status).toBe(503);
      for (const { socket, answer } of stalled) {
        const { status, text } = await answer;
        expect(status).toBe(408);
        expect(text).toMatch(/INGEST_BODY_IDLE_TIMEOUT_SECONDS/);
        expect(text).toMatch(/connection: close/i);
        socket.destroy();
      }
      const after = await post(line(4));
      expect(after.status).toBe(200);
      expect(((await after.json()) as { data: unknown }).data).toEqual({ accepted: 1, rejected: 0, errors: [] });
      expect((await stored()) - before).toBe(1);
    },
    15_000,
  );

  it.skipIf(driver.skipReason)(
    'a body that trickles in under the idle timeout is cut at INGEST_BODY_TIMEOUT_SECONDS: 408, nothing stored',
    async () => {
      const before = await stored();
      const body = `${line(10)}${line(11)}`.repeat(20);
      const { socket, answer } = await rawIngest(server.port, {
        'Content-Type': 'application/x-ndjson',
        'Content-Length': String(body.length),
      });
      let sent = 0;
      const trickle = setInterval(() => {
        if (sent < body.length && !socket.destroyed) socket.write(body[sent++] ?? '');
      }, 300);
      try {
        const { status, text } = await answer;
        expect(status).toBe(408);
        expect(text).toMatch(/INGEST_BODY_TIMEOUT_SECONDS/);
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
      expect(sent).toBeLessThan(body.length);
      expect(await stored()).toBe(before);
    },
    15_000,
  );

  it.skipIf(driver.skipReason)(
    'a 30 KB gzip body of 15 million one-byte lines stops at INGEST_MAX_LINES: 413 naming it, nothing stored',
    async () => {
      const before = await stored();
      const bomb = gzipSync(Buffer.from('1\n'.repeat(15_000_000)), { level: 9 });
      expect(bomb.length).toBeLessThan(64 * 1024);
      const answer = await post(bomb, { 'content-encoding': 'gzip' });
      expect(answer.status).toBe(413);
      const body = (await answer.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('payload_too_large');
      expect(body.error.message).toMatch(/more than 1000000 lines \(INGEST_MAX_LINES\)/);
      expect(await stored()).toBe(before);
      // Under the limit, lines are still counted: a valid body next to it is stored.
      const next = await post(gzipSync(`${line(20)}${line(21)}`), { 'content-encoding': 'gzip' });
      expect(((await next.json()) as { data: unknown }).data).toEqual({ accepted: 2, rejected: 0, errors: [] });
    },
    30_000,
  );
});
