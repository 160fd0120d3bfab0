import type { AlertNotification, Destination } from '../../notification.js';
import { gist } from '../../render/series-key.js';
import { answerDetail, defaultVerdict, type HttpAnswer, HttpSender, type HttpSenderOptions } from '../http-sender.js';
import { DeliveryError, type DeliveryReceipt, type Notifier } from '../notifier.js';
import type { ChannelProvider } from '../provider.js';
import { pagerDutyPlainText, renderPagerDuty } from './render.js';

const HINT = 'a PagerDuty Events API v2 integration key (32 letters and digits)';
const ROUTING_KEY = /^[A-Za-z0-9]{32}$/;
/** PagerDuty's 429 carries no Retry-After; its limit is per integration key and minute. */
export const THROTTLE_BACKOFF_MS = 30_000;

export interface PagerDutyNotifierOptions extends HttpSenderOptions {
  /** PAGERDUTY_EVENTS_URL. */
  eventsUrl: string;
}

/** What a send gives back: the receipt, plus the incident key PagerDuty confirmed. */
export interface PagerDutyReceipt extends DeliveryReceipt {
  dedupKey?: string;
}

/**
 * Events API v2: `POST {PAGERDUTY_EVENTS_URL}` of a trigger (alerts, reminders) or a resolve
 * (resolved) with the notification's dedup key. 202 is accepted; 429 (throttled; PagerDuty sends
 * no Retry-After, so 30 s) and 5xx are retried; 400 ("invalid event": a wrong key length, a
 * malformed event) and other 4xx are permanent. Errors never contain the routing key.
 */
export class PagerDutyNotifier implements Notifier {
  private readonly http: HttpSender;
  private readonly eventsUrl: string;

  constructor(options: PagerDutyNotifierOptions) {
    this.http = new HttpSender(options);
    this.eventsUrl = options.eventsUrl;
  }

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
  ): Promise<PagerDutyReceipt> {
    const routingKey = destination.address;
    const problem = pagerDutyAddressProblem(routingKey);
    if (problem) throw new DeliveryError(`pagerduty: the routing key ${problem}`, false);
    const event = renderPagerDuty(notification, routingKey, this.http.now());
    const answer = await this.http.post({
      url: this.eventsUrl,
      label: 'pagerduty',
      body: JSON.stringify(event),
      signal,
    });
    const failure = verdict(answer, this.http.now());
    if (failure) throw scrubbed(failure, routingKey);
    const said = readAnswer(answer.text);
    const dedupKey = typeof said.dedup_key === 'string' ? said.dedup_key : undefined;
    const detail = [said.status, said.message].filter((part) => typeof part === 'string').join(', ');
    const reply = answerDetail(
      `${answer.statusLine}${detail ? `: ${detail}` : ''}${dedupKey ? ` (dedup_key ${dedupKey})` : ''}`,
      300,
    )
      .split(routingKey)
      .join(maskRoutingKey(routingKey));
    return dedupKey === undefined ? { reply } : { reply, dedupKey };
  }
}

interface PagerDutyAnswer {
  status?: unknown;
  message?: unknown;
  errors?: unknown;
  dedup_key?: unknown;
}

function readAnswer(text: string): PagerDutyAnswer {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as PagerDutyAnswer) : {};
  } catch {
    return {};
  }
}

function verdict(answer: HttpAnswer, now: number): DeliveryError | undefined {
  const failure = defaultVerdict(answer, now, pagerDutyErrorDetail(answer.text));
  if (failure?.retryable && answer.status === 429 && failure.retryAfterMs === undefined) {
    return new DeliveryError(failure.message, true, THROTTLE_BACKOFF_MS);
  }
  return failure;
}

/** `invalid event: Event object is invalid (Length of 'routing_key' is incorrect …)`, or the body's first words. */
export function pagerDutyErrorDetail(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  const answer = readAnswer(text);
  if (typeof answer.message !== 'string') return answerDetail(text);
  const errors = Array.isArray(answer.errors) ? answer.errors.filter((e) => typeof e === 'string') : [];
  const status = typeof answer.status === 'string' ? `${answer.status}: ` : '';
  return answerDetail(`${status}${answer.message}${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`, 300);
}

function scrubbed(error: DeliveryError, routingKey: string): DeliveryError {
  if (routingKey.length < 4 || !error.message.includes(routingKey)) return error;
  const message = error.message.split(routingKey).join(maskRoutingKey(routingKey));
  return new DeliveryError(message, error.retryable, error.retryAfterMs);
}

/** What is wrong with a routing key, or undefined; never quotes the key. */
export function pagerDutyAddressProblem(address: string): string | undefined {
  if (ROUTING_KEY.test(address)) return undefined;
  const trimmed = address.trim();
  if (trimmed !== address && ROUTING_KEY.test(trimmed)) return 'must not have spaces around it';
  if (/^https?:\/\//i.test(trimmed)) {
    return `must be ${HINT}, not a URL: copy the Integration Key from the service's Events API v2 integration`;
  }
  if (!/^[A-Za-z0-9]*$/.test(trimmed)) return `must be ${HINT}: it has other characters`;
  return `must be ${HINT}: it has ${trimmed.length}`;
}

/** `***…wxyz`: the last four characters, enough to tell keys apart. */
export function maskRoutingKey(address: string): string {
  return address.length > 8 ? `***${address.slice(-4)}` : '***';
}

export const pagerDutyProvider: ChannelProvider = {
  type: 'pagerduty',
  label: 'PagerDuty',
  addressLabel: 'Integration key',
  addressHint: HINT,
  secretAddress: true,
  missingSetting: () => undefined,
  addressProblem: pagerDutyAddressProblem,
  maskAddress: maskRoutingKey,
  preview: (notification) => {
    const event = renderPagerDuty(notification, '', Date.now());
    const text = pagerDutyPlainText(event);
    return { subject: null, text: event.event_action === 'resolve' ? `${text}\n${gist(notification).headline}` : text };
  },
  createNotifier: ({ config, options }) =>
    new PagerDutyNotifier({
      eventsUrl: config.pagerdutyEventsUrl,
      fetch: options.fetch,
      now: options.now,
      timeoutMs: options.webhook?.timeoutMs,
    }),
};
