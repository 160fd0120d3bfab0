import type { Config } from '../../../config/config.js';
import { telegramChatIdProblem, telegramGroupIdProblem } from '../../../validation/addresses.js';
import type { AlertNotification } from '../../notification.js';
import { renderTelegram } from '../../render/telegram.js';
import type { ChannelPreviewText, ChannelProvider, NotifierContext } from '../provider.js';
import { TelegramNotifier } from './notifier.js';

/*
 * Telegram chats and groups: two channel types, one bot, one notifier. They share the notifier
 * (one pacer per bot), so a chat and a group of one bot are paced together.
 */

function missingSetting(config: Config): string | undefined {
  return config.telegram.botToken ? undefined : 'TELEGRAM_BOT_TOKEN';
}

function preview(notification: AlertNotification): ChannelPreviewText {
  return { subject: null, text: renderTelegram(notification).map(telegramText).join('\n\n') };
}

function sharedNotifier(context: NotifierContext): TelegramNotifier {
  const { config, options } = context;
  return context.shared(
    'telegram',
    () =>
      new TelegramNotifier(config.telegram, {
        fetch: options.fetch,
        now: options.now,
        sleep: options.sleep,
        logger: options.logger,
        ...options.telegram,
      }),
  );
}

export const telegramChatProvider: ChannelProvider = {
  type: 'telegram_chat',
  label: 'Telegram chat',
  addressLabel: 'Chat id',
  addressHint: 'a Telegram chat id: a number (negative for groups) or @channelname',
  secretAddress: false,
  missingSetting,
  addressProblem: telegramChatIdProblem,
  maskAddress: (address) => address,
  preview,
  createNotifier: sharedNotifier,
};

export const telegramGroupProvider: ChannelProvider = {
  type: 'telegram_group',
  label: 'Telegram group',
  addressLabel: 'Group id',
  addressHint: 'a Telegram group id: a negative number such as -1001234567890',
  secretAddress: false,
  missingSetting,
  addressProblem: telegramGroupIdProblem,
  maskAddress: (address) => address,
  preview,
  createNotifier: sharedNotifier,
};

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&' };

/**
 * Telegram HTML as the chat shows it: the templates use only b, i, code and a, and escape every
 * `<`, `>` and `&` of text, so dropping the tags and decoding the entities leaves the message.
 */
export function telegramText(html: string): string {
  return html.replace(/<[^>]*>/g, '').replace(/&(?:lt|gt|quot|amp);/g, (entity) => ENTITIES[entity]!);
}
