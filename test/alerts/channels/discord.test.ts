import { describe, expect, it } from 'vitest';
import { discordProvider } from '../../../src/alerts/channels/discord/provider.js';
import { renderDiscord } from '../../../src/alerts/channels/discord/render.js';
import { CHANNELS } from '../../../src/alerts/channels/registry.js';
import { DiscordStandIn } from '../../support/stand-ins/discord.js';
import { notification } from '../render/sample-notification.js';
import { huge, KIND_CASES } from './chat-kinds.js';
import { chatWebhookSuite, deliveryFailure, readerCases } from './chat-webhook-suite.js';

const discord = new DiscordStandIn();
const { send, deliver } = chatWebhookSuite(discordProvider, discord);

describe('Discord', () => {
  readerCases(deliver, {
    accepts: 'with an embed Discord accepts',
    wellFormed: ({ message }) => {
      expect(message.allowed_mentions).toEqual({ parse: [] });
      expect(message.content).toBeTruthy();
    },
    inert: (reading) => expect([reading.mentions, reading.pings]).toEqual([[], []]),
    // @everyone and @here read the same, with a zero-width space that keeps them from parsing.
    shown: (visible) => visible.replace(/\u200b/g, ''),
  });

  it('a message key of only white space still makes non-empty fields', async () => {
    const { reading } = await deliver(notification({ messageKey: ' \n\t ' }));
    expect(reading.visible).toContain('Message key\n(empty)');
  });

  it('a message built from 10 KB log texts stays within every Discord limit, the rest counted', async () => {
    const { message, reading } = await deliver(huge());
    const embed = message.embeds![0]!;
    expect(String(embed.description).length).toBeLessThanOrEqual(4096);
    expect(message.content!.length).toBeLessThanOrEqual(2000);
    expect(reading.visible).toContain('<&><&>');
    expect(reading.visible).toMatch(/…and \d+ more in the dashboard/);
    expect(reading.links.map((l) => l.label)).toContain('Open in the dashboard');
  });

  it('the stand-in refuses what Discord refuses: content over 2000 is 400 code 50035', async () => {
    const message = renderDiscord(KIND_CASES[0]!.n);
    message.content = 'x'.repeat(2001);
    const answer = await fetch(discord.webhook(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ code: 50035, message: 'Invalid Form Body' });
  });

  it('would ping without allowed_mentions: the stand-in sees mentions where Discord does', async () => {
    const answer = await fetch(discord.webhook(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'hi @everyone and <@123456789012345678>, not \\<@1>' }),
    });
    expect(answer.status).toBe(204);
    expect(discord.accepted.at(-1)!.reading.pings.sort()).toEqual(['<@123456789012345678>', '@everyone']);
  });

  it('429 is retryable after the retry_after (seconds, a float) in the body', async () => {
    const hook = discord.webhook();
    discord.answerNext(DiscordStandIn.answers.rateLimited(2.5, true));
    const error = await deliveryFailure(send(KIND_CASES[0]!.n, hook), hook.split('/').at(-1)!);
    expect([error.retryable, error.retryAfterMs]).toEqual([true, 2500]);
    expect(error.message).toContain('global rate limit');
  });

  it('5xx is retryable', async () => {
    const hook = discord.webhook();
    discord.answerNext(DiscordStandIn.answers.serverError);
    const error = await deliveryFailure(send(KIND_CASES[0]!.n, hook), hook.split('/').at(-1)!);
    expect(error.retryable).toBe(true);
  });

  it('a deleted webhook (404, code 10015) and a wrong token (401) are permanent, without the token', async () => {
    const hook = discord.webhook('the-real-token-123');
    const deleted = `${discord.http.origin}/api/webhooks/999/gone-token-456`;
    const gone = await deliveryFailure(send(KIND_CASES[0]!.n, deleted), 'gone-token-456');
    expect(gone.retryable).toBe(false);
    expect(gone.message).toBe(
      `discord ${discord.http.origin} answered 404 Not Found: code 10015 Unknown Webhook (the webhook was deleted)`,
    );
    const wrong = hook.replace('the-real-token-123', 'wrong-token-789');
    const refused = await deliveryFailure(send(KIND_CASES[0]!.n, wrong), 'wrong-token-789');
    expect([refused.retryable, refused.message.includes('code 50027')]).toEqual([false, true]);
  });

  it('provider: registered; addresses, masking, preview', () => {
    expect(CHANNELS.providerOf('discord')).toBe(discordProvider);
    expect(CHANNELS.shownTarget({ type: 'discord', external_id: 'https://h.example/secret-path-x' }).external_id).toBe(
      'https://h.example/***',
    );
    expect(discordProvider.addressProblem('https://discord.com/api/webhooks/1/abc')).toBeUndefined();
    expect(discordProvider.addressProblem('https://discordapp.com/api/webhooks/1/abc')).toBeUndefined();
    expect(discordProvider.addressProblem('ftp://discord.com/api/webhooks/1/abc')).toMatch(
      /^must be an http:\/\/ or https:\/\/ URL, usually https:\/\/discord.com/,
    );
    expect(discordProvider.maskAddress('https://discord.com/api/webhooks/123/secret-token')).toBe(
      'https://discord.com/***',
    );
    const preview = discordProvider.preview(KIND_CASES[4]!.n);
    expect(preview.text).toContain('✅ lagwatch: resolved');
    expect(preview.text).not.toContain('Mute 1 h');
  });
});
