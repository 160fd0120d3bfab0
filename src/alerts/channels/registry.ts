import type { Config } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import type { ChannelType } from '../../rules/types.js';
import type { Sleep } from './chat-pacer.js';
import { EmailNotifier, type EmailNotifierOptions } from './email.js';
import type { FetchLike } from './fetch-errors.js';
import type { Notifier } from './notifier.js';
import { TelegramNotifier, type TelegramNotifierOptions } from './telegram.js';
import { WebhookNotifier, type WebhookNotifierOptions } from './webhook.js';

export interface NotifierOptions {
  /** Used by Telegram and webhooks. Default: the global fetch. */
  fetch?: FetchLike;
  now?: () => number;
  logger?: Logger;
  /** How Telegram's pacer waits. Default: a real timer honouring the signal. */
  sleep?: Sleep;
  telegram?: Pick<TelegramNotifierOptions, 'pacing' | 'requestTimeoutMs' | 'maxPacingWaitMs'>;
  webhook?: Pick<WebhookNotifierOptions, 'timeoutMs' | 'resolve' | 'lookupTimeoutMs'>;
  email?: EmailNotifierOptions;
}

/**
 * One notifier per channel type, always all four. A channel that is not configured (no
 * TELEGRAM_BOT_TOKEN, no MAIL_HOST) is still present: its `send` throws a non-retryable
 * DeliveryError naming the missing variable, so the alert log shows why nothing went out.
 * `telegram_chat` and `telegram_group` share one notifier (one pacer for the bot).
 * Create the map once per process: the notifiers hold pacing state.
 */
export function createNotifiers(config: Config, options: NotifierOptions = {}): Map<ChannelType, Notifier> {
  const telegram = new TelegramNotifier(config.telegram, {
    fetch: options.fetch,
    now: options.now,
    sleep: options.sleep,
    logger: options.logger,
    ...options.telegram,
  });
  return new Map<ChannelType, Notifier>([
    ['telegram_chat', telegram],
    ['telegram_group', telegram],
    ['email', new EmailNotifier(config.mail, options.email)],
    [
      'webhook',
      new WebhookNotifier(config.webhookSecret, {
        fetch: options.fetch,
        now: options.now,
        denyPrivate: config.webhookDenyPrivate,
        ...options.webhook,
      }),
    ],
  ]);
}

/** Whether a channel has what it needs in the configuration (webhooks need nothing). */
export function isChannelConfigured(config: Config, channel: ChannelType): boolean {
  switch (channel) {
    case 'telegram_chat':
    case 'telegram_group':
      return config.telegram.botToken !== undefined && config.telegram.botToken !== '';
    case 'email':
      return config.mail.host !== undefined && config.mail.host !== '';
    case 'webhook':
      return true;
  }
}
