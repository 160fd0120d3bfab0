import { answerDetail, defaultVerdict, type HttpAnswer } from '../http-sender.js';
import type { DeliveryError } from '../notifier.js';
import type { ChannelProvider } from '../provider.js';
import { jsonWebhookProvider } from '../url-channel.js';
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

export const slackProvider: ChannelProvider = jsonWebhookProvider({
  type: 'slack',
  label: 'Slack',
  addressKind: 'an incoming-webhook URL',
  usualForm: USUAL_FORM,
  render: renderSlack,
  verdict: slackVerdict,
});
