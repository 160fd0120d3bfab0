import { webhookUrlProblem } from '../../validation/addresses.js';
import type { AlertNotification, Destination } from '../notification.js';
import { chatCard, chatCardText } from '../render/chat-card.js';
import { answerDetail, type HttpAnswer, HttpSender } from './http-sender.js';
import { maskSecretUrl } from './mask-address.js';
import type { DeliveryError, DeliveryReceipt, Notifier } from './notifier.js';
import type { ChannelProvider, NotifierContext } from './provider.js';

/**
 * Addresses of the webhook-URL chat channels (Slack, Teams, Discord): the whole URL is the
 * secret (a token in its path, a signature in its query), masked like every secret address
 * (`maskSecretUrl`: the origin only). Any http(s) URL without credentials is taken, so relays and
 * proxies in front of a service work; each channel's hint names the service's usual form.
 */
export function chatWebhookProblem(address: string, usualForm: string): string | undefined {
  const problem = webhookUrlProblem(address);
  return problem === 'must be an http:// or https:// URL' ? `${problem}, usually ${usualForm}` : problem;
}

/** One line of what the service answered, for `test:channel` and `POST /targets/{id}/test`. */
export function replyOf(answer: HttpAnswer): DeliveryReceipt {
  const said = answerDetail(answer.text);
  return { reply: `${answer.statusLine}${said ? `: ${said}` : ''}` };
}

/** The sender a webhook-URL chat channel uses: the webhook channel's timeouts and private-address rule. */
export function urlChannelSender(context: NotifierContext): HttpSender {
  return new HttpSender({
    fetch: context.options.fetch,
    now: context.options.now,
    denyPrivate: context.config.webhookDenyPrivate,
    ...context.options.webhook,
  });
}

/** What a JSON webhook channel has of its own: its wire format and how it reads the service's answer. */
export interface JsonWebhookFormat {
  /** The target type, also what errors call the channel ("slack"). */
  type: string;
  /** The notification as the service's JSON body. */
  render(notification: AlertNotification): unknown;
  /** undefined when the service took the message, else the failure (retryable or not). */
  verdict(answer: HttpAnswer, now: number): DeliveryError | undefined;
}

/** `POST` of the rendered JSON to the destination's webhook URL, judged by the channel's verdict. */
export class JsonWebhookNotifier implements Notifier {
  constructor(
    private readonly http: HttpSender,
    private readonly format: JsonWebhookFormat,
  ) {}

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
  ): Promise<DeliveryReceipt> {
    const body = JSON.stringify(this.format.render(notification));
    const answer = await this.http.post({ url: destination.address, label: this.format.type, body, signal });
    const failure = this.format.verdict(answer, this.http.now());
    if (failure) throw failure;
    return replyOf(answer);
  }
}

export interface JsonWebhookChannel extends JsonWebhookFormat {
  /** "Slack". */
  label: string;
  /** What the address is, before its usual form: "an incoming-webhook URL". */
  addressKind: string;
  /** The service's usual URL, for hints and errors: "https://hooks.slack.com/services/T…/B…/…". */
  usualForm: string;
}

/**
 * The provider of a chat service reached by a secret webhook URL that takes one JSON `POST`
 * (Slack, Teams, Discord): the address rules, masking and plain-text preview they share
 * (`chatCard`), with the channel's own format and verdict.
 */
export function jsonWebhookProvider(channel: JsonWebhookChannel): ChannelProvider {
  return {
    type: channel.type,
    label: channel.label,
    addressHint: `${channel.addressKind} (${channel.usualForm})`,
    addressLabel: 'Webhook URL',
    secretAddress: true,
    missingSetting: () => undefined,
    addressProblem: (address) => chatWebhookProblem(address, channel.usualForm),
    maskAddress: maskSecretUrl,
    preview: (notification) => ({ subject: null, text: chatCardText(chatCard(notification)) }),
    createNotifier: (context) => new JsonWebhookNotifier(urlChannelSender(context), channel),
  };
}
