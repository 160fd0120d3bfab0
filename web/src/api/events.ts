/**
 * Live events: Server-Sent Events read over fetch, so the token travels in a header.
 */
import { apiUrl, authHeaders, notifyAuthRequired } from './client.js';

export type LiveEventType = 'violation' | 'scan' | 'alert' | 'ingest';
export interface LiveEvent {
  type: LiveEventType | string;
  data: unknown;
}

export type LiveState = 'connecting' | 'live' | 'offline';

/** While lagwatch cannot be reached, how often a cheap `GET /health` asks whether it is back. */
export const PROBE_INTERVAL_MS = 2_000;

/**
 * Follows `GET /events` until `signal` aborts. EventSource cannot send an Authorization header,
 * so the stream is read with fetch and parsed here. When the stream breaks and the server is
 * down, `/health` is probed every 2 s and the stream reopens as soon as it answers (no long
 * backoff keeps the dashboard "offline" after the server is back); a server that is up but
 * refuses the stream is retried with backoff.
 */
export async function followEvents(
  onEvent: (event: LiveEvent) => void,
  onState: (state: LiveState) => void,
  signal: AbortSignal,
): Promise<void> {
  let refusedWhileUp = 0;
  while (!signal.aborted) {
    onState('connecting');
    try {
      const response = await fetch(apiUrl('/events'), {
        headers: { accept: 'text/event-stream', ...authHeaders() },
        signal,
        cache: 'no-store',
      });
      if (response.status === 401) notifyAuthRequired(await refusal(response));
      if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
      onState('live');
      refusedWhileUp = 0;
      await readEventStream(response.body, onEvent);
    } catch {
      if (signal.aborted) return;
    }
    onState('offline');
    if (await isReachable(signal)) {
      refusedWhileUp++;
      await sleep(Math.min(1000 * 2 ** refusedWhileUp, 30_000), signal);
    } else {
      await untilReachable(signal);
    }
  }
}

/** Whether `GET /health` answers (any token, no work on the server). */
export async function isReachable(signal?: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(apiUrl('/health'), { cache: 'no-store', signal });
    return response.ok;
  } catch {
    return false;
  }
}

/** Resolves once `/health` answers (probed every PROBE_INTERVAL_MS), or when `signal` aborts. */
export async function untilReachable(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await sleep(PROBE_INTERVAL_MS, signal);
    if (signal.aborted || (await isReachable(signal))) return;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (event: LiveEvent) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.search(/\r?\n\r?\n/);
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(buffer.slice(end).match(/^\r?\n\r?\n/)![0].length + end);
      const event = parseEventBlock(block);
      if (event) onEvent(event);
      end = buffer.search(/\r?\n\r?\n/);
    }
  }
}

function parseEventBlock(block: string): LiveEvent | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue; // comment: heartbeat
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  try {
    return { type, data: JSON.parse(text) };
  } catch {
    return { type, data: text };
  }
}

/** The message of a 401's JSON error body, if it has one. */
async function refusal(response: Response): Promise<string | undefined> {
  try {
    return ((await response.json()) as { error?: { message?: string } }).error?.message;
  } catch {
    return undefined;
  }
}
