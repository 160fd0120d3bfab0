import type { Config } from '../../config/config.js';
import type { AlertNotification } from '../notification.js';
import type { Notifier } from './notifier.js';
import type { NotifierOptions } from './notifier-options.js';

/** What a provider's notifier is made from. */
export interface NotifierContext {
  config: Config;
  options: NotifierOptions;
  /**
   * One value per key for the whole notifier set: providers that must share state (Telegram
   * chats and groups share one pacer per bot) make it here once.
   */
  shared<T>(key: string, make: () => T): T;
}

/** A message as its reader sees it: previews on the dashboard and in the alert log, `test:channel`. */
export interface ChannelPreviewText {
  /** The email subject; null where the channel has none. */
  subject: string | null;
  text: string;
}

/**
 * Everything lagwatch knows about one channel type, in one module: what its addresses look
 * like, how they are shown, how a notification reads, and how it is sent. The API, CLI,
 * `diagnose`, previews and the dashboard (through `GET /channels`) derive their lists from the
 * registry of these; adding a channel is one provider module and one registry line.
 */
export interface ChannelProvider {
  /** The target `type` and alert-rule channel name: lower case, `a-z0-9_` ("slack"). */
  readonly type: string;
  /** "Slack", "Telegram group". */
  readonly label: string;
  /** What the address field is called on forms ("Webhook URL", "Routing key"); default "Address". */
  readonly addressLabel?: string;
  /** What `external_id` holds, for forms and errors: "an incoming-webhook URL (https://hooks.slack.com/services/…)". */
  readonly addressHint: string;
  /** The address is a secret (webhook URL, routing key): masked in every answer, log and error. */
  readonly secretAddress: boolean;
  /** The setting the channel still needs before it can send (`TELEGRAM_BOT_TOKEN`), or undefined. */
  missingSetting(config: Config): string | undefined;
  /** What is wrong with `external_id` for this channel ("must be …"), or undefined when it is valid. */
  addressProblem(address: string): string | undefined;
  /** The address as an answer, log line or error may show it. */
  maskAddress(address: string): string;
  /** The notification as the channel's reader would see it. */
  preview(notification: AlertNotification): ChannelPreviewText;
  /** Made once per process: notifiers may hold pacing state. */
  createNotifier(context: NotifierContext): Notifier;
}
