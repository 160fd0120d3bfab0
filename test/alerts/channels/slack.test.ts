import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../../src/alerts/channels/registry.js';
import { slackProvider } from '../../../src/alerts/channels/slack/provider.js';
import { renderSlack } from '../../../src/alerts/channels/slack/render.js';
import { closedPort } from '../../support/ports.js';
import { SlackStandIn } from '../../support/stand-ins/slack.js';
import { context, destination, huge, KIND_CASES } from './chat-kinds.js';
import { chatWebhookSuite, deliveryFailure, readerCases } from './chat-webhook-suite.js';

const slack = new SlackStandIn();
const { send, deliver } = chatWebhookSuite(slackProvider, slack);

describe('Slack', () => {
  readerCases(deliver, {
    accepts: 'as Block Kit Slack accepts',
    wellFormed: ({ message }) => {
      expect(message.blocks![0]).toMatchObject({ type: 'header' });
      expect(message.text).toBeTruthy();
    },
    inert: (reading) => expect(reading.mentions).toEqual([]),
  });

  it('a message built from 10 KB log texts stays within every Block Kit limit', async () => {
    const n = huge();
    const { message, reading } = await deliver(n);
    expect(message.blocks!.length).toBeLessThanOrEqual(50);
    expect(reading.visible).toContain('<&><&>');
    expect(JSON.stringify(message)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('the stand-in refuses what Slack refuses: a section over 3000 characters is invalid_blocks', async () => {
    const message = renderSlack(KIND_CASES[0]!.n);
    message.blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } });
    const answer = await fetch(slack.webhook(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    expect([answer.status, await answer.text()]).toEqual([400, 'invalid_blocks']);
  });

  it('the stand-in sees the mentions unescaped text would make', async () => {
    const body = JSON.stringify({ text: 'hey <!channel> see <https://evil.example/|this>' });
    await fetch(slack.webhook(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const { reading } = slack.accepted.at(-1)!;
    expect(reading.mentions).toEqual(['!channel']);
    expect(reading.links).toEqual([{ url: 'https://evil.example/', label: 'this' }]);
  });

  it.each([
    ['410 channel_is_archived', false, SlackStandIn.answers.archived, 'channel_is_archived (the channel is archived)'],
    ['403 action_prohibited', false, SlackStandIn.answers.prohibited, 'action_prohibited'],
    ['500', true, SlackStandIn.answers.serverError, '500'],
  ])('%s: retryable %s', async (_name, retryable, answer, says) => {
    const hook = slack.webhook();
    slack.answerNext(answer);
    const error = await deliveryFailure(send(KIND_CASES[0]!.n, hook), hook.split('/').at(-1)!);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(says);
  });

  it('429 is retryable after the Retry-After Slack gives', async () => {
    const hook = slack.webhook();
    slack.answerNext(SlackStandIn.answers.rateLimited(30));
    const error = await deliveryFailure(send(KIND_CASES[0]!.n, hook), hook.split('/').at(-1)!);
    expect([error.retryable, error.retryAfterMs]).toEqual([true, 30_000]);
  });

  it('a removed webhook (404 no_service) is permanent; the error names only the origin', async () => {
    const hook = `${slack.http.origin}/services/TLAGWATCH/BGONE/removed-secret-123`;
    const error = await deliveryFailure(send(KIND_CASES[0]!.n, hook), 'removed-secret-123');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `slack ${slack.http.origin} answered 404 Not Found: no_service (the webhook was disabled or removed; create a new one)`,
    );
    expect(error.message).not.toContain('BGONE');
  });

  it('an unreachable Slack is retryable, without the URL', async () => {
    const hook = `http://127.0.0.1:${await closedPort()}/services/T1/B1/unreachable-secret`;
    const error = await deliveryFailure(send(KIND_CASES[0]!.n, hook), 'unreachable-secret');
    expect(error.retryable).toBe(true);
  });

  it('WEBHOOK_DENY_PRIVATE refuses a private address before sending (permanent), as for webhooks', async () => {
    const guarded = slackProvider.createNotifier(context({ WEBHOOK_DENY_PRIVATE: 'true' }));
    const hook = slack.webhook('private-secret-321');
    const before = slack.http.requests.length;
    const error = await deliveryFailure(
      guarded.send(KIND_CASES[0]!.n, destination('slack', hook)),
      'private-secret-321',
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('refused');
    expect(slack.http.requests.length).toBe(before);
  });

  it('provider: registered; addresses, masking, preview', () => {
    expect(CHANNELS.providerOf('slack')).toBe(slackProvider);
    expect(CHANNELS.shownTarget({ type: 'slack', external_id: 'https://h.example/secret-path-x' }).external_id).toBe(
      'https://h.example/***',
    );
    expect(slackProvider.addressProblem('https://hooks.slack.com/services/T0/B0/abc')).toBeUndefined();
    expect(slackProvider.addressProblem('http://relay.internal:8080/slack')).toBeUndefined();
    expect(slackProvider.addressProblem('hooks.slack.com/services/x')).toBe(
      'must be an http:// or https:// URL, usually https://hooks.slack.com/services/T…/B…/…',
    );
    expect(slackProvider.addressProblem('https://u:p@hooks.slack.com/services/x')).toMatch(/user:password@/);
    expect(slackProvider.maskAddress('https://hooks.slack.com/services/T0/B0/abcsecret')).toBe(
      'https://hooks.slack.com/***',
    );
    expect(slackProvider.maskAddress('not a url')).toBe('***');
    expect(slackProvider.secretAddress).toBe(true);
    const preview = slackProvider.preview(KIND_CASES[0]!.n);
    expect(preview.subject).toBeNull();
    expect(preview.text).toContain('🐢 lagwatch: slow message');
    expect(preview.text).toContain('Mute 1 h: http://127.0.0.1:9501/#/silences?app=checkout');
  });
});
