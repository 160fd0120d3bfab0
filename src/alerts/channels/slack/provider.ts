import type { AlertNotification, Destination } from '../../notification.js';
import { chatCard, chatCardText } from '../../render/chat-card.js';
import { answerDetail, defaultVerdict, type HttpAnswer, type HttpSender } from '../http-sender.js';
import { maskSecretUrl } from '../mask-address.js';
import type { DeliveryError, DeliveryReceipt, Notifier } from '../notifier.js';
import type { ChannelProvider, NotifierContext } from '../provider.js';
import { chatWebhookProblem, replyOf, urlChannelSender } from '../url-channel.js';
import { renderSlack } from './render.js';

const USUAL_FORM = 'https://hooks.slack.com/services/T…/B…/…';

/** What Slack's error codes mean to the person reading the alert log. */
const SLACK_ERRORS: Record<string, string> = {
  invalid_payload: 'the message was not valid JSON',
  invalid_blocks: 'Slack refused the message blocks',
  invalid_blocks_format: 'Slack refused the message blocks',
  no_text: 'the message had no text',
  action_prohibited: 'a workspace admin restricted posting to this channel',
  posting_to_general_channel_denied: 'only admins may post to this channel',
  channel_not_found: 'the channel was deleted',
  channel_is_archived: 'the channel is archived',
  no_service: 'the webhook was disabled or removed; create a new one',
  no_service_id: 'the webhook URL is incomplete',
  no_team: 'the workspace is gone or the URL is incomplete',
  team_disabled: 'the workspace is disabled',
  invalid_token: 'the webhook URL is no longer valid',
  rate_limited: 'Slack asks to send more slowly',
};

/**
 * Slack incoming webhooks answer 200 `ok`, or a status with a plain error code in the body:
 * 400 `invalid_payload`/`invalid_blocks`, 403 `action_prohibited`, 404 `no_service`/
 * `channel_not_found`, 410 `channel_is_archived` (permanent), 429 with Retry-After and 5xx
 * (retryable).
 */
export function slackVerdict(answer: HttpAnswer, now: number): DeliveryError | undefined {
  const code = answer.text.trim();
  const meaning = SLACK_ERRORS[code];
  const detail = answerDetail(answer.text);
  return defaultVerdict(answer, now, meaning ? `${code} (${meaning})` : detail || undefined);
}

export class SlackNotifier implements Notifier {
  constructor(private readonly http: HttpSender) {}

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
  ): Promise<DeliveryReceipt> {
    const body = JSON.stringify(renderSlack(notification));
    const answer = await this.http.post({ url: destination.address, label: 'slack', body, signal });
    const failure = slackVerdict(answer, this.http.now());
    if (failure) throw failure;
    return replyOf(answer);
  }
}

export const slackProvider: ChannelProvider = {
  type: 'slack',
  label: 'Slack',
  addressHint: `an incoming-webhook URL (${USUAL_FORM})`,
  addressLabel: 'Webhook URL',
  secretAddress: true,
  missingSetting: () => undefined,
  addressProblem: (address) => chatWebhookProblem(address, USUAL_FORM),
  maskAddress: maskSecretUrl,
  preview: (notification) => ({ subject: null, text: chatCardText(chatCard(notification)) }),
  createNotifier: (context: NotifierContext) => new SlackNotifier(urlChannelSender(context)),
};
