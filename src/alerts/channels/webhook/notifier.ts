import { createHmac } from 'node:crypto';
import type { AlertNotification, Destination } from '../../notification.js';
import { renderWebhookPayload } from '../../render/webhook.js';
import { answerDetail, defaultVerdict, HttpSender, type HttpSenderOptions } from '../http-sender.js';
import type { DeliveryReceipt, Notifier, SendOptions } from '../notifier.js';

export type WebhookNotifierOptions = HttpSenderOptions;

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
  private readonly http: HttpSender;

  constructor(
    private readonly secret: string | undefined,
    options: WebhookNotifierOptions = {},
  ) {
    this.http = new HttpSender(options);
  }

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
    options: SendOptions = {},
  ): Promise<DeliveryReceipt> {
    const body = JSON.stringify(renderWebhookPayload(notification));
    const timestamp = String(Math.floor(this.http.now() / 1000));
    const headers: Record<string, string> = { 'x-lagwatch-timestamp': timestamp };
    if (this.secret) headers['x-lagwatch-signature'] = webhookSignature(this.secret, timestamp, body);
    if (options.deliveryKey !== undefined) headers['x-lagwatch-delivery'] = options.deliveryKey;
    const answer = await this.http.post({ url: destination.address, label: 'webhook', body, headers, signal });
    const failure = defaultVerdict(answer, this.http.now());
    if (failure) throw failure;
    const said = answerDetail(answer.text);
    return { reply: `${answer.statusLine}${said ? `: ${said}` : ''}` };
  }
}
