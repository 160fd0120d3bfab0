import type { Config } from '../../config/config.js';
import { registerFileChannels } from '../../rules/file/channels.js';
import type { Problem } from '../../validation/problems.js';
import type { AlertNotification } from '../notification.js';
import { discordProvider } from './discord/provider.js';
import { emailProvider } from './email/provider.js';
import { googleChatProvider } from './google-chat/provider.js';
import { maskSecretUrl } from './mask-address.js';
import type { Notifier } from './notifier.js';
import type { NotifierOptions } from './notifier-options.js';
import { pagerDutyProvider } from './pagerduty/provider.js';
import type { ChannelPreviewText, ChannelProvider, NotifierContext } from './provider.js';
import { slackProvider } from './slack/provider.js';
import { teamsProvider } from './teams/provider.js';
import { telegramChatProvider, telegramGroupProvider } from './telegram/provider.js';
import { webhookProvider } from './webhook/provider.js';

export type { NotifierOptions } from './notifier-options.js';

/**
 * Every channel lagwatch can send to, in the order lists show them. Adding a channel is its
 * provider module and one line here: the API (`GET /channels`, target and rule validation,
 * masking, previews), the CLI, `diagnose` and the dashboard all read this list.
 */
export const CHANNEL_PROVIDERS: readonly ChannelProvider[] = [
  telegramChatProvider,
  telegramGroupProvider,
  emailProvider,
  webhookProvider,
  slackProvider,
  teamsProvider,
  discordProvider,
  googleChatProvider,
  pagerDutyProvider,
];

/** What everything else asks of the channels; `CHANNELS` is the one over CHANNEL_PROVIDERS. */
export interface ChannelRegistry {
  readonly providers: readonly ChannelProvider[];
  /** The channel types (target `type`, rule `alert_channels`), in the registry's order. */
  readonly types: readonly string[];
  providerOf(type: string): ChannelProvider | undefined;
  /** Whether a channel has what it needs in the configuration (an unknown type has not). */
  isConfigured(config: Config, type: string): boolean;
  /** A target's type and address checked together: an unknown type, or an address its channel refuses. */
  targetAddressProblem(type: string, externalId: string): Problem | undefined;
  /**
   * A destination as an answer, log line or error may show it: its channel's masking, or for a
   * type no longer registered (or a row naming several channels) a URL's origin only.
   */
  maskAddress(type: string, address: string): string;
  /**
   * What of an address must be scrubbed from errors and logs: the whole address when its channel
   * says addresses are secrets (or, for an unknown type, when it is a URL); else nothing.
   */
  addressSecrets(type: string, address: string): string[];
  /**
   * A target as answers and listings show it: a secret address (webhook URL, routing key, or any
   * address of a type no longer registered) masked, other addresses as they are.
   */
  shownTarget<T extends { type: string; external_id: string }>(target: T): T;
  /** The notification as a registered channel's reader sees it (alert log previews, `test:channel`). */
  preview(type: string, notification: AlertNotification): ChannelPreviewText;
  /**
   * One notifier per channel type, always all of them. A channel that is not configured (no
   * TELEGRAM_BOT_TOKEN, no MAIL_HOST) is still present: its `send` throws a non-retryable
   * DeliveryError naming the missing variable, so the alert log shows why nothing went out.
   * Providers may share a notifier (`telegram_chat` and `telegram_group`: one pacer for the
   * bot). Create the map once per process: the notifiers hold pacing state.
   */
  createNotifiers(config: Config, options?: NotifierOptions): Map<string, Notifier>;
}

/** How a channel type is written: a stored column value (varchar(32)), a URL parameter and a JSON key. */
const TYPE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** A registry over `providers`; refuses a malformed or repeated type (a programming error). */
export function channelRegistry(providers: readonly ChannelProvider[]): ChannelRegistry {
  const byType = new Map<string, ChannelProvider>();
  for (const provider of providers) {
    if (!TYPE_NAME.test(provider.type)) throw new Error(`channel type "${provider.type}" must match ${TYPE_NAME}`);
    if (byType.has(provider.type)) throw new Error(`channel type "${provider.type}" is registered twice`);
    byType.set(provider.type, provider);
  }
  const types = providers.map((p) => p.type);
  const providerOf = (type: string) => byType.get(type);
  // A type no longer registered (or a row naming several channels): a URL keeps only its origin.
  const maskAddress = (type: string, address: string) => {
    const provider = providerOf(type);
    if (provider) return provider.maskAddress(address);
    return /^https?:\/\//i.test(address) ? maskSecretUrl(address) : address;
  };
  return {
    providers,
    types,
    providerOf,
    isConfigured(config, type) {
      const provider = providerOf(type);
      return provider !== undefined && provider.missingSetting(config) === undefined;
    },
    targetAddressProblem(type, externalId) {
      const provider = providerOf(type);
      if (!provider) return { field: 'type', message: `must be one of: ${types.join(', ')}` };
      const message = provider.addressProblem(externalId);
      return message === undefined ? undefined : { field: 'external_id', message };
    },
    maskAddress,
    addressSecrets(type, address) {
      const provider = providerOf(type);
      const secret = provider ? provider.secretAddress : /^https?:\/\//i.test(address);
      return secret && address !== '' ? [address] : [];
    },
    shownTarget(target) {
      if (providerOf(target.type)?.secretAddress === false) return target;
      return { ...target, external_id: maskAddress(target.type, target.external_id) };
    },
    preview(type, notification) {
      const provider = providerOf(type);
      if (!provider) throw new Error(`unknown channel type "${type}"`);
      return provider.preview(notification);
    },
    createNotifiers(config, options = {}) {
      const shared = new Map<string, unknown>();
      const context: NotifierContext = {
        config,
        options,
        shared<T>(key: string, make: () => T): T {
          if (!shared.has(key)) shared.set(key, make());
          return shared.get(key) as T;
        },
      };
      return new Map(providers.map((p) => [p.type, p.createNotifier(context)]));
    },
  };
}

/** The registry of every channel lagwatch has. */
export const CHANNELS: ChannelRegistry = channelRegistry(CHANNEL_PROVIDERS);
// Rules files (src/rules/file) check channel types and addresses with it.
registerFileChannels(CHANNELS);

export const CHANNEL_TYPES: readonly string[] = CHANNELS.types;
export const providerOf = CHANNELS.providerOf;
export const isChannelConfigured = CHANNELS.isConfigured;
export const targetAddressProblem = CHANNELS.targetAddressProblem;
export const maskAddress = CHANNELS.maskAddress;
export const addressSecrets = CHANNELS.addressSecrets;
export const previewOn = CHANNELS.preview;
export const createNotifiers = CHANNELS.createNotifiers;
