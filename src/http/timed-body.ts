import type { Readable } from 'node:stream';

export interface BodyTimeouts {
  /** Longest wait for the next bytes of the body. */
  idleMs: number;
  /** Longest time to read the whole body. */
  totalMs: number;
}

/** A request body that stalled or took too long; the request is answered 408. */
export class BodyTimeoutError extends Error {
  constructor(readonly limit: 'idle' | 'total') {
    super(limit === 'idle' ? 'the request body stalled' : 'the request body took too long');
    this.name = 'BodyTimeoutError';
  }
}

/** A request stream that ended or failed before its body did (the client went away). */
export class BodyAbortedError extends Error {
  constructor(cause?: Error) {
    super('the request body was cut off', { cause });
    this.name = 'BodyAbortedError';
  }
}

type Wake = 'readable' | 'end' | 'close' | 'error' | 'timeout';

/**
 * The chunks of a request body, failing with BodyTimeoutError when no bytes come for `idleMs`
 * or the body is not whole after `totalMs`, and with BodyAbortedError when the client goes away. The stream is not destroyed on a timeout (that
 * would drop the socket before the 408 is written); the answer ends the connection instead.
 */
export async function* timedBody(stream: Readable, timeouts: BodyTimeouts): AsyncGenerator<Buffer> {
  const deadline = performance.now() + timeouts.totalMs;
  // Between waits too: a stream error is read from stream.errored, never left unhandled.
  const ignore = () => undefined;
  stream.on('error', ignore);
  try {
    for (;;) {
      const chunk = stream.read() as Buffer | string | null;
      if (chunk !== null) {
        yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        continue;
      }
      if (stream.readableEnded) return;
      if (stream.errored || stream.destroyed) throw new BodyAbortedError(stream.errored ?? undefined);
      const left = deadline - performance.now();
      const wake = await nextEvent(stream, Math.max(0, Math.min(timeouts.idleMs, left)));
      if (wake === 'timeout') throw new BodyTimeoutError(left <= timeouts.idleMs ? 'total' : 'idle');
    }
  } finally {
    stream.off('error', ignore);
  }
}

function nextEvent(stream: Readable, timeoutMs: number): Promise<Wake> {
  return new Promise((resolve) => {
    const events = ['readable', 'end', 'close', 'error'] as const;
    const handlers = events.map((event) => [event, () => settle(event)] as const);
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    function settle(wake: Wake) {
      clearTimeout(timer);
      for (const [event, handler] of handlers) stream.off(event, handler);
      resolve(wake);
    }
    for (const [event, handler] of handlers) stream.on(event, handler);
  });
}
