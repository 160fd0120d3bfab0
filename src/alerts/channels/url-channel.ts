import { webhookUrlProblem } from '../../validation/addresses.js';
import { answerDetail, type HttpAnswer, HttpSender } from './http-sender.js';
import type { DeliveryReceipt } from './notifier.js';
import type { NotifierContext } from './provider.js';

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
