import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EventBus, LagwatchEvent } from '../events/bus.js';
import { failure } from './envelope.js';

export interface EventStreamOptions {
  /** Milliseconds between `: heartbeat` comments; default 15 000. */
  heartbeatMs?: number;
  /** Reconnection delay suggested to browsers (`retry:`); default 5 000. */
  retryMs?: number;
  /** A stream whose client reads slower than events arrive is closed past this many unsent bytes. */
  maxBufferedBytes?: number;
  /** Aborting it closes every open stream (besides the server's own shutdown). */
  signal?: AbortSignal;
}

/**
 * Server-Sent Events from the EventBus. Each stream is written on the raw response after
 * `reply.hijack()`; every open stream is ended in the server's `preClose` hook, so `app.close()`
 * never waits on a browser tab.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();
  private readonly heartbeatMs: number;
  private readonly retryMs: number;
  private readonly maxBufferedBytes: number;
  private closed = false;

  constructor(
    private readonly events: EventBus,
    options: EventStreamOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.retryMs = options.retryMs ?? 5_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1_048_576;
    if (options.signal?.aborted) this.closed = true;
    else options.signal?.addEventListener('abort', () => this.closeAll(), { once: true });
  }

  /** How many streams are open now. */
  get size(): number {
    return this.open.size;
  }

  /** Ends every stream and refuses new ones. */
  closeAll(): void {
    this.closed = true;
    for (const end of [...this.open]) end();
  }

  /** Registers the `preClose` hook that ends the streams when the server closes. */
  attach(app: FastifyInstance): void {
    app.addHook('preClose', async () => this.closeAll());
  }

  serve(reply: FastifyReply): void {
    reply.hijack();
    const raw = reply.raw;
    if (this.closed) {
      raw.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' });
      raw.end(JSON.stringify(failure('unavailable', 'the server is shutting down')));
      return;
    }
    raw.writeHead(200, {
      // Headers set by hooks (CORS, security headers) before the hijack still apply.
      ...headersOf(reply),
      // onSend hooks do not run for a hijacked reply: the request id is set here.
      'X-Request-Id': reply.request.id,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    raw.socket?.setNoDelay(true);
    raw.write(`retry: ${this.retryMs}\n: connected\n\n`);

    const send = (chunk: string) => {
      if (raw.writableEnded || raw.destroyed) return;
      raw.write(chunk);
      if (raw.writableLength > this.maxBufferedBytes) end();
    };
    const unsubscribe = this.events.subscribe((event) => send(formatEvent(event)));
    const heartbeat = setInterval(() => send(': heartbeat\n\n'), this.heartbeatMs);
    heartbeat.unref();

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.open.delete(end);
      clearInterval(heartbeat);
      unsubscribe();
      if (!raw.writableEnded) raw.end();
    };
    this.open.add(end);
    raw.on('close', end);
    raw.on('error', end);
  }
}

/** One SSE message: `event: <type>` and the data as one line of JSON. */
export function formatEvent(event: LagwatchEvent): string {
  // JSON.stringify escapes newlines, so the data is always a single `data:` line.
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

function headersOf(reply: FastifyReply): Record<string, string | string[] | number> {
  const headers: Record<string, string | string[] | number> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined && name.toLowerCase() !== 'content-length') headers[name] = value;
  }
  return headers;
}
