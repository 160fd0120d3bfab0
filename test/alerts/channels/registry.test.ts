import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/alerts/channels/notifier.js';
import { CHANNEL_TYPES, createNotifiers, isChannelConfigured } from '../../../src/alerts/channels/registry.js';
import { loadConfig } from '../../../src/config/load.js';
import { TelegramStandIn } from '../../support/telegram-stand-in.js';
import { notification } from '../render/sample-notification.js';

let standIn: TelegramStandIn;
beforeAll(async () => {
  standIn = await TelegramStandIn.start();
});
afterAll(() => standIn.close());

describe('createNotifiers', () => {
  it('has a notifier for every channel type, even unconfigured ones', () => {
    const notifiers = createNotifiers(loadConfig({}, undefined));
    expect([...notifiers.keys()].sort()).toEqual([...CHANNEL_TYPES].sort());
  });

  it('makes an unconfigured channel fail permanently, naming what is missing', async () => {
    const notifiers = createNotifiers(loadConfig({}, undefined));
    for (const [channel, variable] of [
      ['telegram_chat', 'TELEGRAM_BOT_TOKEN'],
      ['telegram_group', 'TELEGRAM_BOT_TOKEN'],
      ['email', 'MAIL_HOST'],
    ] as const) {
      const error = await notifiers
        .get(channel)!
        .send(notification(), { channel, address: channel === 'email' ? 'a@example.com' : '-1', targetId: null })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeliveryError);
      expect((error as DeliveryError).retryable).toBe(false);
      expect((error as DeliveryError).message).toContain(variable);
    }
  });

  it('shares one Telegram notifier (one pacer) between chats and groups, and delivers through it', async () => {
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: standIn.token, TELEGRAM_API_BASE: standIn.apiBase }, undefined);
    const notifiers = createNotifiers(config, { telegram: { pacing: { perChatIntervalMs: 5 } } });
    expect(notifiers.get('telegram_chat')).toBe(notifiers.get('telegram_group'));
    await notifiers
      .get('telegram_group')!
      .send(notification(), { channel: 'telegram_group', address: '-5', targetId: null });
    expect(standIn.messagesTo('-5')).toHaveLength(1);
  });
});

describe('isChannelConfigured', () => {
  it('tells which channels have what they need', () => {
    const bare = loadConfig({}, undefined);
    // Webhook-addressed channels and PagerDuty (its endpoint has a default) need no setting.
    expect(CHANNEL_TYPES.filter((c) => isChannelConfigured(bare, c))).toEqual([
      'webhook',
      'slack',
      'teams',
      'discord',
      'google_chat',
      'pagerduty',
    ]);
    const full = loadConfig({ TELEGRAM_BOT_TOKEN: '1:x', MAIL_HOST: 'smtp.example.com' }, undefined);
    expect(CHANNEL_TYPES.filter((c) => isChannelConfigured(full, c))).toEqual([...CHANNEL_TYPES]);
  });
});
