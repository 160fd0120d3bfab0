import type { Logger } from '../../logging/logger.js';
import type { EmailNotifierOptions } from './email/notifier.js';
import type { FetchLike } from './fetch-errors.js';
import type { Sleep } from './telegram/chat-pacer.js';
import type { TelegramNotifierOptions } from './telegram/notifier.js';
import type { WebhookNotifierOptions } from './webhook/notifier.js';

/** What tests and the app may set on the notifiers `createNotifiers` makes (registry.ts). */
export interface NotifierOptions {
  /** Used by Telegram and every URL-addressed channel. Default: the global fetch. */
  fetch?: FetchLike;
  now?: () => number;
  logger?: Logger;
  /** How Telegram's pacer waits. Default: a real timer honouring the signal. */
  sleep?: Sleep;
  telegram?: Pick<TelegramNotifierOptions, 'pacing' | 'requestTimeoutMs' | 'maxPacingWaitMs'>;
  /** The HTTP sender of the generic webhook (also what other URL channels may follow). */
  webhook?: Pick<WebhookNotifierOptions, 'timeoutMs' | 'resolve' | 'lookupTimeoutMs'>;
  email?: EmailNotifierOptions;
}
