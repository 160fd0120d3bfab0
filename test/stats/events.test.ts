import { get, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type LagwatchEvent } from '../../src/events/bus.js';
import { driversUnderTest } from '../support/databases.js';
import { type StatsHarness, statsHarness } from './support.js';

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

/** Reads an SSE body: parsed events, comments, and whether the server ended it. */
class StreamReader {
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  text = '';
  ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** Reads until the text read so far satisfies `done` (or the stream ends). */
  async until(done: (text: string) => boolean): Promise<void> {
    while (!done(this.text) && !this.ended) {
      const { value, done: end } = await this.reader.read();
      if (end) this.ended = true;
      else this.text += this.decoder.decode(value, { stream: true });
    }
  }

  events(): { event: string; data: unknown }[] {
    return this.text
      .split('\n\n')
      .filter((block) => block.startsWith('event: '))
      .map((block) => {
        const [eventLine, dataLine] = block.split('\n');
        return { event: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) };
      });
  }
}

const violation: LagwatchEvent = {
  type: 'violation',
  data: {
    rule_type: 'message',
    rule_id: 4,
    app_name: 'checkout',
    message_key: 'payment.capture',
    duration_ms: 2300,
    threshold_ms: 2000,
    log_time: '2026-01-10T10:00:00.000Z',
    correlation_id: 'line\nbreak "quoted"',
  },
};
const scan: LagwatchEvent = {
  type: 'scan',
  data: {
    status: 'success',
    logs_scanned: 5000,
    violations: 1,
    alerts: 1,
    started_at: '2026-01-10T10:00:30.000Z',
    finished_at: '2026-01-10T10:00:31.000Z',
    error: null,
  },
};
const alert: LagwatchEvent = {
  type: 'alert',
  data: { id: 12, status: 'sent', channel: 'email', app_name: 'checkout', message_key: null, violation_count: 3 },
};
const ingest: LagwatchEvent = { type: 'ingest', data: { accepted: 10, rejected: 1 } };

describe('GET /events', () => {
  let h: StatsHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function listen(options: { heartbeatMs?: number; signal?: AbortSignal; bus?: EventBus } = {}) {
    h = await statsHarness(sqlite, {
      events: options.bus,
      routes: { events: { heartbeatMs: options.heartbeatMs, signal: options.signal } },
    });
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    return { harness: h, address };
  }

  it('streams every event type as `event:` + one JSON `data:` line, with the SSE headers', async () => {
    const bus = new CountingBus();
    const { address } = await listen({ bus });
    const response = await fetch(`${address}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff'); // headers set by onRequest hooks are kept
    const stream = new StreamReader(response.body!);
    await stream.until((text) => text.includes(': connected\n\n'));
    expect(stream.text.startsWith('retry: 5000\n')).toBe(true);
    expect(bus.active).toBe(1);

    for (const event of [violation, scan, alert, ingest]) bus.publish(event);
    await stream.until((text) => text.includes('event: ingest'));
    expect(stream.events()).toEqual([violation, scan, alert, ingest].map((e) => ({ event: e.type, data: e.data })));
  });

  it('a client that goes away lets go of the bus', async () => {
    const bus = new CountingBus();
    const { address } = await listen({ bus });
    // node:http rather than fetch: after a cancelled body, fetch opens a spare connection that
    // the server's close() would then wait on.
    const request = get(`${address}/events`, { agent: false });
    const response = await new Promise<IncomingMessage>((resolve) => request.on('response', resolve));
    await new Promise((resolve) => response.once('data', resolve));
    expect(bus.active).toBe(1);
    request.on('error', () => {});
    request.destroy();
    await vi.waitFor(() => expect(bus.active).toBe(0), { timeout: 10_000 });
    bus.publish(ingest); // nobody listens any more: nothing is written to the closed socket
  });

  it('sends heartbeat comments between events', async () => {
    const { address } = await listen({ heartbeatMs: 20 });
    const response = await fetch(`${address}/events`);
    const stream = new StreamReader(response.body!);
    await stream.until((text) => text.split(': heartbeat\n\n').length > 2);
    expect(stream.text).toMatch(/^retry: 5000\n: connected\n\n(: heartbeat\n\n)+/);
  });

  it('every stream ends when the server closes, and close() does not wait on them', async () => {
    const bus = new CountingBus();
    const { harness, address } = await listen({ bus });
    const streams = await Promise.all(
      [1, 2, 3].map(async () => new StreamReader((await fetch(`${address}/events`)).body!)),
    );
    for (const stream of streams) await stream.until((text) => text.includes(': connected'));
    expect(bus.active).toBe(3);

    await harness.app.close();
    for (const stream of streams) {
      await stream.until(() => false);
      expect(stream.ended).toBe(true);
    }
    expect(bus.active).toBe(0);
  });

  it('aborting the signal ends the streams and refuses new ones', async () => {
    const abort = new AbortController();
    const bus = new CountingBus();
    const { address } = await listen({ bus, signal: abort.signal });
    const stream = new StreamReader((await fetch(`${address}/events`)).body!);
    await stream.until((text) => text.includes(': connected'));
    abort.abort();
    await stream.until(() => false);
    expect(stream.ended).toBe(true);
    expect(bus.active).toBe(0);

    const refused = await fetch(`${address}/events`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
  });
});
