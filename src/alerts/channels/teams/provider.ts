import { answerDetail, defaultVerdict, type HttpAnswer } from '../http-sender.js';
import { DeliveryError } from '../notifier.js';
import type { ChannelProvider } from '../provider.js';
import { jsonWebhookProvider } from '../url-channel.js';
import { renderTeams } from './render.js';

const USUAL_FORM = 'https://….logic.azure.com/workflows/…/triggers/manual/paths/invoke?…&sig=…';

/**
 * A Workflows webhook answers 202 Accepted (200 from older connectors and relays) once it has
 * taken the message; errors carry JSON `{error: {code, message}}`: 400 (bad request), 401/403
 * (a wrong `sig`), 404 (the flow was deleted), 413 (too large) are permanent; 429 with
 * Retry-After and 5xx are retryable. A legacy Office 365 connector answered 200 with a text
 * saying Teams refused it; its 429 is taken as retryable.
 */
export function teamsVerdict(answer: HttpAnswer, now: number): DeliveryError | undefined {
  if (answer.status >= 200 && answer.status < 300) {
    const refused = /returned HTTP error (\d{3})/.exec(answer.text);
    if (!refused) return undefined;
    const status = Number(refused[1]);
    return new DeliveryError(
      `${answer.where} answered ${answer.statusLine}: ${answerDetail(answer.text)}`,
      status === 429 || status >= 500,
    );
  }
  let detail = answerDetail(answer.text);
  try {
    const error = (JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (error && typeof error.code === 'string') {
      detail = `${error.code}${typeof error.message === 'string' ? `: ${answerDetail(error.message)}` : ''}`;
    }
  } catch {
    // not JSON: the text as it is
  }
  return defaultVerdict(answer, now, detail || undefined);
}

export const teamsProvider: ChannelProvider = jsonWebhookProvider({
  type: 'teams',
  label: 'Microsoft Teams',
  addressKind: 'a Workflows webhook URL',
  usualForm: USUAL_FORM,
  render: renderTeams,
  verdict: teamsVerdict,
});
