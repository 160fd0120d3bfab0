import { parseRetryAfter, retryAfterSecondsToMs } from '../../../outbound/retry-after.js';
import { answerDetail, defaultVerdict, type HttpAnswer } from '../http-sender.js';
import { DeliveryError } from '../notifier.js';
import type { ChannelProvider } from '../provider.js';
import { jsonWebhookProvider } from '../url-channel.js';
import { renderDiscord } from './render.js';

const USUAL_FORM = 'https://discord.com/api/webhooks/<id>/<token>';

/** Discord's JSON error codes that a reader needs explained. */
const DISCORD_CODES: Record<number, string> = {
  10015: 'the webhook was deleted',
  50027: 'the webhook token is wrong',
  50035: 'Discord refused the message form',
  50006: 'the message was empty',
  40005: 'the message is too large',
};

/**
 * Discord answers 204 (200 with `?wait=true`); errors carry JSON `{code, message}`. 429 carries
 * `retry_after` in seconds (a float) and `global`, which win over the Retry-After header; 5xx is
 * retryable; 400, 401, 403 and 404 (code 10015, unknown webhook) are permanent.
 */
export function discordVerdict(answer: HttpAnswer, now: number): DeliveryError | undefined {
  if (answer.status >= 200 && answer.status < 300) return undefined;
  let body: { code?: unknown; message?: unknown; retry_after?: unknown; global?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(answer.text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as typeof body;
  } catch {
    // not JSON (a proxy's page): the status decides
  }
  const code = typeof body.code === 'number' ? body.code : undefined;
  const message = typeof body.message === 'string' ? answerDetail(body.message) : answerDetail(answer.text);
  const meaning = code !== undefined ? DISCORD_CODES[code] : undefined;
  const detail = [code !== undefined ? `code ${code}` : '', message, meaning ? `(${meaning})` : '']
    .filter((part) => part !== '')
    .join(' ');
  if (answer.status === 429) {
    const wait = retryAfterSecondsToMs(body.retry_after) ?? parseRetryAfter(answer.headers.get('retry-after'), now);
    const scope = body.global === true ? ', global rate limit' : '';
    return new DeliveryError(`${answer.where} answered ${answer.statusLine}: ${detail}${scope}`, true, wait);
  }
  return defaultVerdict(answer, now, detail || undefined);
}

export const discordProvider: ChannelProvider = jsonWebhookProvider({
  type: 'discord',
  label: 'Discord',
  addressKind: 'a webhook URL',
  usualForm: USUAL_FORM,
  render: renderDiscord,
  verdict: discordVerdict,
});
