import type { AlertNotification, Destination } from '../../notification.js';
import { chatCard, chatCardText } from '../../render/chat-card.js';
import { answerDetail, defaultVerdict, type HttpAnswer, type HttpSender } from '../http-sender.js';
import { maskSecretUrl } from '../mask-address.js';
import { DeliveryError, type DeliveryReceipt, type Notifier } from '../notifier.js';
import type { ChannelProvider, NotifierContext } from '../provider.js';
import { chatWebhookProblem, replyOf, urlChannelSender } from '../url-channel.js';
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

export class TeamsNotifier implements Notifier {
  constructor(private readonly http: HttpSender) {}

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
  ): Promise<DeliveryReceipt> {
    const body = JSON.stringify(renderTeams(notification));
    const answer = await this.http.post({ url: destination.address, label: 'teams', body, signal });
    const failure = teamsVerdict(answer, this.http.now());
    if (failure) throw failure;
    return replyOf(answer);
  }
}

export const teamsProvider: ChannelProvider = {
  type: 'teams',
  label: 'Microsoft Teams',
  addressHint: `a Workflows webhook URL (${USUAL_FORM})`,
  addressLabel: 'Webhook URL',
  secretAddress: true,
  missingSetting: () => undefined,
  addressProblem: (address) => chatWebhookProblem(address, USUAL_FORM),
  maskAddress: maskSecretUrl,
  preview: (notification) => ({ subject: null, text: chatCardText(chatCard(notification)) }),
  createNotifier: (context: NotifierContext) => new TeamsNotifier(urlChannelSender(context)),
};
