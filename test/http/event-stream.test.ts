import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type LagwatchEvent } from '../../src/events/bus.js';
import { type StatsHarness, statsHarness } from '../stats/support.js';
import { driversUnderTest } from '../support/databases.js';
import { SseClient } from '../support/sse-client.js';

const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;

/** A real EventBus that also counts its subscribers, to see streams let go of it. */
class CountingBus extends EventBus {
  active = 0;
  override subscribe(listener: (event: LagwatchEvent) => void): () => void {
    this.active++;
    const off = super.subscribe(listener);
    return () => {
      this.active--;
      off();
    };
  }
}

/** A violation event of about `bytes` bytes on the wire. */
const bigEvent = (bytes: number, n: number): LagwatchEvent => ({
  type: 'violation',
  data: {
    rule_type: 'app',
    rule_id: n,
    app_name: 'checkout',
    message_key: null,
    duration_ms: 2300,
    threshold_ms: 2000,
    log_time: '2026-01-10T10:00:00.000Z',
    correlation_id: 'x'.repeat(bytes),
  },
});

/** A raw HTTP request on its own socket; answers the status line and headers once they came. */
function rawRequest(port: number, head: string): Promise<{ socket: Socket; text: () => string; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const ended = new Promise<void>((done) => socket.once('close', () => done()));
    socket.setEncoding('latin1');
    socket.on('error', () => {});
    socket.once('connect', () => socket.write(head));
    const onData = (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve({ socket, text: () => text, ended });
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before an answer: ${JSON.stringify(text)}`)));
  });
}

describe('GET /events limits', () => {
  let h: StatsHarness | undefined;
  const clients: SseClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await h?.close();
    h = undefined;
  });

  async function listen(bus: EventBus, env: Record<string, string> = {}) {
    h = await statsHarness(sqlite, { events: bus, env });
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    return { address, port: Number(new URL(address).port) };
  }

  it('HEAD /events answers at once with the stream headers and no stream', async () => {
    const bus = new CountingBus();
    const { port } = await listen(bus);
    const answer = await rawRequest(port, 'HEAD /events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await answer.ended; // the server ended the response: no stream is left open
    expect(answer.text()).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.text().toLowerCase()).toContain('content-type: text/event-stream; charset=utf-8');
    expect(answer.text().split('\r\n\r\n')[1]).toBe('');
    expect(bus.active).toBe(0);
  });

  it('refuses one stream more than EVENTS_MAX_SUBSCRIBERS with 503 and Retry-After, and takes one again once a stream ends', async () => {
    const bus = new CountingBus();
    const { address } = await listen(bus, { EVENTS_MAX_SUBSCRIBERS: '2' });
    clients.push(await SseClient.open(`${address}/events`), await SseClient.open(`${address}/events`));
    expect(bus.active).toBe(2);

    const refused = await fetch(`${address}/events`);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unavailable');
    expect(body.error.message).toMatch(/at most 2/);
    expect(bus.active).toBe(2);

    clients.shift()!.close();
    await vi.waitFor(() => expect(bus.active).toBe(1), { timeout: 10_000 });
    const again = await SseClient.open(`${address}/events`);
    clients.push(again);
    bus.publish({ type: 'ingest', data: { accepted: 1, rejected: 0 } });
    await again.waitFor('ingest', { accepted: 1 });
  });

  it('drops a subscriber that does not read once its unsent bytes pass EVENTS_MAX_BUFFERED_BYTES; readers keep theirs', async () => {
    const bus = new CountingBus();
    const { address, port } = await listen(bus, { EVENTS_MAX_BUFFERED_BYTES: '65536' });
    const reader = await SseClient.open(`${address}/events`);
    clients.push(reader);
    const stalled = await rawRequest(port, 'GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    stalled.socket.pause(); // never reads again: the kernel buffers fill, then the server's
    expect(stalled.text()).toMatch(/^HTTP\/1\.1 200 /);
    expect(bus.active).toBe(2);

    // Up to 64 MiB of events, one at a time so the reader keeps up; far past every socket buffer.
    let sent = 0;
    while (sent < 2048 && bus.active === 2) {
      bus.publish(bigEvent(32_768, ++sent));
      await reader.waitFor('violation', { rule_id: sent });
      reader.events.length = 0;
    }
    expect(bus.active).toBe(1);
    // The server cut the connection rather than leave its unsent bytes to drain: only the reader's is left.
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        h!.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    await vi.waitFor(async () => expect(await connections()).toBe(1), { timeout: 10_000 });
    stalled.socket.destroy();
    bus.publish(bigEvent(10, ++sent));
    await reader.waitFor('violation', { rule_id: sent });
  });
});
