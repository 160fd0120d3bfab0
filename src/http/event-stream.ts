import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EventBus, LagwatchEvent } from '../events/bus.js';
import { failure } from './envelope.js';

export interface EventStreamOptions {
  /** Milliseconds between `: heartbeat` comments; default 15 000. */
  heartbeatMs?: number;
  /** Reconnection delay suggested to browsers (`retry:`); default 5 000. */
  retryMs?: number;
  /** A stream whose client reads slower than events arrive is dropped past this many unsent bytes. */
  maxBufferedBytes?: number;
  /** Streams open at once; one more is answered 503 with Retry-After. Default 100. */
  maxSubscribers?: number;
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
  private readonly maxSubscribers: number;
  private closed = false;

  constructor(
    private readonly events: EventBus,
    options: EventStreamOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.retryMs = options.retryMs ?? 5_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1_048_576;
    this.maxSubscribers = options.maxSubscribers ?? 100;
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
      refuse(reply, 'the server is shutting down');
      return;
    }
    const headers = {
      // Headers set by hooks (CORS, security headers) before the hijack still apply.
      ...headersOf(reply),
      // onSend hooks do not run for a hijacked reply: the request id is set here.
      'X-Request-Id': reply.request.id,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    };
    // HEAD: the headers a stream would have, and no stream.
    if (reply.request.method === 'HEAD') {
      raw.writeHead(200, headers);
      raw.end();
      return;
    }
    if (this.open.size >= this.maxSubscribers) {
      refuse(reply, `too many event streams are open (at most ${this.maxSubscribers}); try again later`);
      return;
    }
    raw.writeHead(200, { ...headers, Connection: 'keep-alive' });
    raw.socket?.setNoDelay(true);
    raw.write(`retry: ${this.retryMs}\n: connected\n\n`);

    const send = (chunk: string) => {
      if (raw.writableEnded || raw.destroyed) return;
      raw.write(chunk);
      // A client that does not read: its unsent events would pile up without bound. Ending the
      // response would wait on the same unread bytes, so the connection is cut.
      if (raw.writableLength > this.maxBufferedBytes) {
        end();
        raw.destroy();
      }
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

/** 503 with Retry-After, the connection closed after it (shutting down, or too many streams). */
function refuse(reply: FastifyReply, message: string): void {
  reply.raw.writeHead(503, {
    ...headersOf(reply),
    'X-Request-Id': reply.request.id,
    'Content-Type': 'application/json; charset=utf-8',
    'Retry-After': String(RETRY_AFTER_SECONDS),
    Connection: 'close',
  });
  reply.raw.end(JSON.stringify(failure('unavailable', message)));
}

/** When a refused client should try again. */
const RETRY_AFTER_SECONDS = 10;

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
