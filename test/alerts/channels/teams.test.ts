import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../../src/alerts/channels/registry.js';
import { teamsProvider } from '../../../src/alerts/channels/teams/provider.js';
import { renderTeams } from '../../../src/alerts/channels/teams/render.js';
import { TeamsStandIn } from '../../support/stand-ins/teams.js';
import { huge, KIND_CASES } from './chat-kinds.js';
import { chatWebhookSuite, deliveryFailure, readerCases } from './chat-webhook-suite.js';

const teams = new TeamsStandIn();
const { send, deliver } = chatWebhookSuite(teamsProvider, teams);

describe('Microsoft Teams', () => {
  readerCases(deliver, {
    accepts: 'as an Adaptive Card Teams accepts',
    wellFormed: ({ card }) => expect(card.version).toBe('1.4'),
    inert: (reading) => expect(reading.markup).toEqual([]),
  });

  it('a card built from 10 KB log texts stays under 28 KB, the samples left out counted', async () => {
    const { card, reading } = await deliver(huge());
    expect(JSON.stringify(card).length).toBeLessThanOrEqual(28 * 1024);
    expect(reading.visible).toContain('<&><&>');
    expect(reading.links.map((l) => l.label)).toContain('Open in the dashboard');
  });

  it('the stand-in refuses what Teams refuses: an attachment that is not an Adaptive Card', async () => {
    const message = renderTeams(KIND_CASES[0]!.n) as unknown as { attachments: Array<{ contentType: string }> };
    message.attachments[0]!.contentType = 'application/vnd.microsoft.card.hero';
    const answer = await fetch(teams.webhook(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('must be application/vnd.microsoft.card.adaptive');
  });

  it('the stand-in sees the links and markup unescaped text would make', async () => {
    const message = renderTeams(KIND_CASES[0]!.n);
    message.attachments[0]!.content.body.push({
      type: 'TextBlock',
      text: '**urgent** [click](https://evil.example/)',
      wrap: true,
    });
    await fetch(teams.webhook(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    const { reading } = teams.accepted.at(-1)!;
    expect(reading.markup).toEqual(['**urgent**']);
    expect(reading.links).toContainEqual({ url: 'https://evil.example/', label: 'click' });
  });

  it('429 is retryable after Retry-After; 5xx is retryable', async () => {
    const hook = teams.webhook();
    const secret = new URL(hook).searchParams.get('sig')!;
    teams.answerNext(TeamsStandIn.answers.rateLimited(12), TeamsStandIn.answers.serverError);
    const limited = await deliveryFailure(send(KIND_CASES[0]!.n, hook), secret);
    expect([limited.retryable, limited.retryAfterMs]).toEqual([true, 12_000]);
    expect(limited.message).toContain('WorkflowRequestsThrottled');
    const down = await deliveryFailure(send(KIND_CASES[0]!.n, hook), secret);
    expect(down.retryable).toBe(true);
  });

  it('a wrong signature (401) and a deleted flow (404) are permanent, without the sig', async () => {
    const hook = teams.webhook('the-real-sig-123');
    const wrong = hook.replace('the-real-sig-123', 'wrong-sig-456');
    const refused = await deliveryFailure(send(KIND_CASES[0]!.n, wrong), 'wrong-sig-456');
    expect(refused.retryable).toBe(false);
    expect(refused.message).toBe(
      `teams ${teams.http.origin} answered 401 Unauthorized: DirectApiInvalidAuthorizationSignature: The provided authorization signature is not valid.`,
    );
    const gone = hook.replace(/workflows\/\w+/, 'workflows/deadbeef');
    const deleted = await deliveryFailure(send(KIND_CASES[0]!.n, gone), 'the-real-sig-123');
    expect([deleted.retryable, deleted.message.includes('WorkflowNotFound')]).toEqual([false, true]);
  });

  it('provider: registered; addresses, masking, preview', () => {
    expect(CHANNELS.providerOf('teams')).toBe(teamsProvider);
    expect(CHANNELS.shownTarget({ type: 'teams', external_id: 'https://h.example/secret-path-x' }).external_id).toBe(
      'https://h.example/***',
    );
    const real =
      'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SeCrEt';
    expect(teamsProvider.addressProblem(real)).toBeUndefined();
    expect(teamsProvider.addressProblem('teams')).toMatch(
      /^must be an http:\/\/ or https:\/\/ URL, usually https:\/\/….logic.azure.com/,
    );
    expect(teamsProvider.maskAddress(real)).toBe('https://prod-12.westeurope.logic.azure.com/***');
    expect(teamsProvider.maskAddress(real)).not.toContain('SeCrEt');
    expect(teamsProvider.preview(KIND_CASES[6]!.n).text).toContain('⏰ lagwatch: still firing · orders p95');
  });
});
