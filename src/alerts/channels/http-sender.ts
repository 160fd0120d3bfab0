import { maskUrlsIn } from '../../config/redact.js';
import { type FetchDispatcher, fetchAgent } from '../../outbound/fetch-agent.js';
import { parseRetryAfter } from '../../outbound/retry-after.js';
import { VERSION } from '../../version.js';
import { type FetchLike, networkReason } from './fetch-errors.js';
import { DeliveryError } from './notifier.js';
import {
  checkedLookup,
  LOOKUP_TIMEOUT_MS,
  PrivateDestinationError,
  privateHostReason,
  type Resolve,
} from './private-address.js';

export interface HttpSenderOptions {
  fetch?: FetchLike;
  now?: () => number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /**
   * WEBHOOK_DENY_PRIVATE: refuse private hosts, and connect only to addresses checked to be
   * public (resolved once per connection, by the socket's own lookup).
   */
  denyPrivate?: boolean;
  /** Name resolution for that check (tests). */
  resolve?: Resolve;
  /** How long that resolution may take before the send is refused (default 3 s). */
  lookupTimeoutMs?: number;
}

/** One POST as a channel makes it. */
export interface HttpPost {
  /** Where: the secret webhook URL or the service's endpoint. Never shown in an error. */
  url: string;
  /** What errors call it: "slack", "webhook"; the URL's origin is added. */
  label: string;
  body: string;
  /** Added to `User-Agent` and, unless given, `Content-Type: application/json`. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The peer's answer to a POST that reached it. */
export interface HttpAnswer {
  status: number;
  /** "429 Too Many Requests". */
  statusLine: string;
  headers: Headers;
  /** The body, at most MAX_ANSWER_BYTES of it: services explain refusals there. */
  text: string;
  /** `<label> <origin>`, for error messages. */
  where: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Enough for any service's error explanation; a larger answer is not read further. */
const MAX_ANSWER_BYTES = 16_384;

/**
 * The one HTTP path every URL-addressed channel sends through: a per-request timeout, redirects
 * refused, the WEBHOOK_DENY_PRIVATE checks, and errors that name only the URL's origin (webhook
 * URLs carry their secret in the path or query). Network failures, timeouts and refusals throw
 * DeliveryError; any answer, 2xx or not, is returned for the channel to judge (see
 * `defaultVerdict` for the usual judgement).
 */
export class HttpSender {
  readonly now: () => number;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly denyPrivate: boolean;
  private readonly resolve: Resolve | undefined;
  private readonly lookupTimeoutMs: number;
  private checkedAgent: Promise<FetchDispatcher> | undefined;

  constructor(options: HttpSenderOptions = {}) {
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.denyPrivate = options.denyPrivate ?? false;
    this.resolve = options.resolve;
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? LOOKUP_TIMEOUT_MS;
  }

  /** The dispatcher whose sockets connect only to checked public addresses (created once). */
  private agentForPrivateDenial(): Promise<FetchDispatcher> {
    this.checkedAgent ??= fetchAgent('WEBHOOK_DENY_PRIVATE', {
      connect: { lookup: checkedLookup(this.resolve, this.lookupTimeoutMs) },
    });
    return this.checkedAgent;
  }

  async post(request: HttpPost): Promise<HttpAnswer> {
    const url = parseHttpUrl(request.url);
    if (!url) throw new DeliveryError(`${request.label} address is not an http(s) URL`, false);
    const where = `${request.label} ${url.origin}`;
    let dispatcher: FetchDispatcher | undefined;
    if (this.denyPrivate) {
      const reason = privateHostReason(url);
      if (reason) throw new DeliveryError(`${where}: refused, ${reason}`, false);
      dispatcher = await this.agentForPrivateDenial();
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...request.headers,
      'user-agent': `lagwatch/${VERSION}`,
    };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const init: RequestInit = { method: 'POST', headers, body: request.body, redirect: 'manual', signal };
      // Node's fetch takes an undici dispatcher through this non-standard option.
      if (dispatcher) (init as { dispatcher?: unknown }).dispatcher = dispatcher;
      const response = await this.fetch(url, init);
      const text = await readBounded(response);
      const statusLine = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      return { status: response.status, statusLine, headers: response.headers, text, where };
    } catch (error) {
      if (request.signal?.aborted) throw new DeliveryError(`${where}: send aborted`, true);
      const refusal = (error as { cause?: unknown }).cause;
      if (refusal instanceof PrivateDestinationError) {
        throw new DeliveryError(`${where}: refused, ${refusal.message}`, refusal.retryable);
      }
      if (timeout.aborted) throw new DeliveryError(`${where}: no answer within ${this.timeoutMs} ms`, true);
      throw new DeliveryError(`${where}: ${stripUrl(networkReason(error), request.url, url)}`, true);
    }
  }
}

/**
 * The usual judgement of an answer: undefined for 2xx; retryable for 408, 429 and 5xx (with
 * the peer's `Retry-After`); permanent for redirects (not followed) and other 4xx. `detail`
 * (the service's own explanation, already cleaned of secrets) is appended when given.
 */
export function defaultVerdict(answer: HttpAnswer, now: number, detail?: string): DeliveryError | undefined {
  if (answer.status >= 200 && answer.status < 300) return undefined;
  const said = `${answer.where} answered ${answer.statusLine}${detail ? `: ${detail}` : ''}`;
  if (answer.status === 408 || answer.status === 429 || answer.status >= 500) {
    return new DeliveryError(said, true, parseRetryAfter(answer.headers.get('retry-after'), now));
  }
  if (answer.status >= 300 && answer.status < 400) {
    return new DeliveryError(`${said} (redirects are not followed)`, false);
  }
  return new DeliveryError(said, false);
}

/** A service's explanation from an answer body, one line, at most `max` characters, URLs masked. */
export function answerDetail(text: string, max = 200): string {
  const line = maskUrlsIn(text.replace(/\s+/g, ' ').trim());
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function parseHttpUrl(address: string): URL | undefined {
  try {
    const url = new URL(address);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** At most MAX_ANSWER_BYTES of the body; the rest is not read. */
async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The status decides; a body cut short only shortens the explanation.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

/** The reason without the URL, as given or as normalised by the URL parser (fetch's own errors quote it). */
function stripUrl(text: string, address: string, url: URL): string {
  return maskUrlsIn(text.split(address).join('<webhook url>').split(url.href).join('<webhook url>'));
}
