import { secretsInUrl } from '../../../config/redact.js';
import { webhookUrlProblem } from '../../../validation/addresses.js';
import type { AlertNotification, Destination } from '../../notification.js';
import { answerDetail, defaultVerdict, type HttpAnswer, HttpSender } from '../http-sender.js';
import { maskSecretUrl } from '../mask-address.js';
import { DeliveryError, type DeliveryReceipt, type Notifier } from '../notifier.js';
import type { ChannelProvider } from '../provider.js';
import { urlChannelSender } from '../url-channel.js';
import { googleChatPlainText, googleChatThreadKey, renderGoogleChat } from './render.js';

const HINT = 'a Google Chat space webhook URL (https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…)';
const GOOGLE_HOST = 'chat.googleapis.com';

/** Replies go to the rule's thread; the first message of a thread (or a thread Chat lost) starts one. */
export const REPLY_OPTION = 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD';

/** The webhook URL with the rule's thread named in its query (`threadKey`, `messageReplyOption`). */
export function threadedUrl(address: string, threadKey: string): string {
  try {
    const url = new URL(address);
    url.searchParams.set('threadKey', threadKey);
    url.searchParams.set('messageReplyOption', REPLY_OPTION);
    return url.href;
  } catch {
    return address; // HttpSender refuses it, naming no secret
  }
}

/**
 * `POST` of the rendered message (render.ts) to the space's webhook URL, in the rule's thread.
 * 2xx is sent; 429 (RESOURCE_EXHAUSTED), 408 and 5xx are retried; 400 (INVALID_ARGUMENT),
 * 401/403 (the key or token is wrong, or the webhook was deleted), 404 (no such space) are
 * permanent. Errors carry Google's `status: message`, never the URL's key or token.
 */
export class GoogleChatNotifier implements Notifier {
  constructor(private readonly http: HttpSender = new HttpSender()) {}

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
  ): Promise<DeliveryReceipt> {
    const body = JSON.stringify(renderGoogleChat(notification));
    const url = threadedUrl(destination.address, googleChatThreadKey(notification));
    const answer = await this.http.post({ url, label: 'google chat', body, signal });
    const failure = defaultVerdict(answer, this.http.now(), googleErrorDetail(answer.text));
    if (failure) throw scrubbed(failure, destination.address);
    return { reply: chatReply(answer) };
  }
}

/**
 * `200 OK: message spaces/…/messages/… in thread spaces/…/threads/…` (names, no secrets). Read
 * by pattern: Chat echoes the whole message, so a large one is cut short before its thread.
 */
function chatReply(answer: HttpAnswer): string {
  const message = /"name"\s*:\s*"(spaces\/[^"]+\/messages\/[^"]+)"/.exec(answer.text)?.[1];
  if (!message) return answer.statusLine;
  const thread = /"thread"\s*:\s*\{\s*"name"\s*:\s*"(spaces\/[^"]+\/threads\/[^"]+)"/.exec(answer.text)?.[1];
  return answerDetail(`${answer.statusLine}: message ${message}${thread ? ` in thread ${thread}` : ''}`, 300);
}

/** `INVALID_ARGUMENT: Invalid JSON payload received…` from Google's error body, or the body's first words. */
export function googleErrorDetail(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  try {
    const error = (JSON.parse(text) as { error?: { status?: unknown; message?: unknown } }).error;
    if (error && typeof error.message === 'string') {
      return answerDetail(typeof error.status === 'string' ? `${error.status}: ${error.message}` : error.message);
    }
  } catch {
    // not JSON: a proxy's page
  }
  return answerDetail(text);
}

/** The error without the URL's key and token, should the service have quoted them. */
function scrubbed(error: DeliveryError, address: string): DeliveryError {
  let message = error.message;
  for (const secret of secretsInUrl(address)) message = message.split(secret).join('***');
  return message === error.message ? error : new DeliveryError(message, error.retryable, error.retryAfterMs);
}

/** What is wrong with a Google Chat webhook address, or undefined. */
export function googleChatAddressProblem(address: string): string | undefined {
  const problem = webhookUrlProblem(address);
  if (problem) return problem.startsWith('must be an http') ? `must be ${HINT}` : problem;
  const url = new URL(address);
  if (url.hostname === GOOGLE_HOST) {
    if (!/^\/v1\/spaces\/[^/]+\/messages$/.test(url.pathname))
      return `must be ${HINT}: the path is not a space's messages`;
    if (!url.searchParams.get('key') || !url.searchParams.get('token')) {
      return `must be ${HINT}: the key and token parameters are missing (copy the whole URL from the space's Webhooks page)`;
    }
  }
  return undefined;
}

export const googleChatProvider: ChannelProvider = {
  type: 'google_chat',
  label: 'Google Chat',
  addressLabel: 'Webhook URL',
  addressHint: HINT,
  secretAddress: true,
  missingSetting: () => undefined,
  addressProblem: googleChatAddressProblem,
  maskAddress: maskSecretUrl,
  preview: (notification) => ({ subject: null, text: googleChatPlainText(renderGoogleChat(notification)) }),
  createNotifier: (context) => new GoogleChatNotifier(urlChannelSender(context)),
};
