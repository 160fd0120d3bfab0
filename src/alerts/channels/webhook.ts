import { createHmac } from 'node:crypto';
import { maskUrlsIn } from '../../config/redact.js';
import { type FetchDispatcher, fetchAgent } from '../../outbound/fetch-agent.js';
import { parseRetryAfter } from '../../outbound/retry-after.js';
import { VERSION } from '../../version.js';
import type { AlertNotification, Destination } from '../notification.js';
import { renderWebhookPayload } from '../render/webhook.js';
import { type FetchLike, networkReason } from './fetch-errors.js';
import { DeliveryError, type DeliveryReceipt, type Notifier, type SendOptions } from './notifier.js';
import {
  checkedLookup,
  LOOKUP_TIMEOUT_MS,
  PrivateDestinationError,
  privateHostReason,
  type Resolve,
} from './private-address.js';

export interface WebhookNotifierOptions {
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

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The signature a receiver checks, when WEBHOOK_SECRET is set:
 * `X-Lagwatch-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Lagwatch-Timestamp>.<raw body>")>`.
 * The timestamp (Unix seconds) is signed with the body so a captured request cannot be replayed
 * later: receivers should also refuse timestamps more than a few minutes old.
 */
export function webhookSignature(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/**
 * JSON POST of the WebhookPayload (src/alerts/render/webhook.ts) to the destination URL.
 * Headers: Content-Type: application/json, User-Agent: lagwatch/<version>,
 * X-Lagwatch-Timestamp, X-Lagwatch-Signature (when a secret is set), X-Lagwatch-Delivery (the
 * send's deliveryKey, when given: the same across retries, for receivers to drop duplicates).
 * 2xx → sent; 408, 429, 5xx, timeouts and network errors → retryable (Retry-After honoured);
 * redirects (not followed) and other 4xx → permanent. Errors name only the URL's origin, since
 * webhook URLs often carry a token in their path.
 */
export class WebhookNotifier implements Notifier {
  private readonly fetch: FetchLike;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly denyPrivate: boolean;
  private readonly resolve: Resolve | undefined;
  private readonly lookupTimeoutMs: number;
  private checkedAgent: Promise<FetchDispatcher> | undefined;

  constructor(
    private readonly secret: string | undefined,
    options: WebhookNotifierOptions = {},
  ) {
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

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
    options: SendOptions = {},
  ): Promise<DeliveryReceipt> {
    const url = parseHttpUrl(destination.address);
    if (!url) throw new DeliveryError('webhook address is not an http(s) URL', false);
    const where = `webhook ${url.origin}`;
    let dispatcher: FetchDispatcher | undefined;
    if (this.denyPrivate) {
      const reason = privateHostReason(url);
      if (reason) throw new DeliveryError(`${where}: refused, ${reason}`, false);
      dispatcher = await this.agentForPrivateDenial();
    }

    const body = JSON.stringify(renderWebhookPayload(notification));
    const timestamp = String(Math.floor(this.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `lagwatch/${VERSION}`,
      'x-lagwatch-timestamp': timestamp,
    };
    if (this.secret) headers['x-lagwatch-signature'] = webhookSignature(this.secret, timestamp, body);
    if (options.deliveryKey !== undefined) headers['x-lagwatch-delivery'] = options.deliveryKey;

    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      const init: RequestInit = {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      };
      // Node's fetch takes an undici dispatcher through this non-standard option.
      if (dispatcher) (init as { dispatcher?: unknown }).dispatcher = dispatcher;
      response = await this.fetch(url, init);
      // The answer's body is not used: do not read what may be large.
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      if (signal?.aborted) throw new DeliveryError(`${where}: send aborted`, true);
      const refusal = (error as { cause?: unknown }).cause;
      if (refusal instanceof PrivateDestinationError) {
        throw new DeliveryError(`${where}: refused, ${refusal.message}`, refusal.retryable);
      }
      if (timeout.aborted) throw new DeliveryError(`${where}: no answer within ${this.timeoutMs} ms`, true);
      throw new DeliveryError(`${where}: ${stripUrl(networkReason(error), destination.address, url)}`, true);
    }

    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status >= 200 && response.status < 300) return {};
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
      throw new DeliveryError(`${where} answered ${status}`, true, retryAfterMs);
    }
    if (response.status >= 300 && response.status < 400) {
      throw new DeliveryError(`${where} answered ${status} (redirects are not followed)`, false);
    }
    throw new DeliveryError(`${where} answered ${status}`, false);
  }
}

function parseHttpUrl(address: string): URL | undefined {
  try {
    const url = new URL(address);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The reason without the webhook URL, as given or as normalised by the URL parser (fetch's own errors quote it). */
function stripUrl(text: string, address: string, url: URL): string {
  return maskUrlsIn(text.split(address).join('<webhook url>').split(url.href).join('<webhook url>'));
}
