import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../../src/alerts/channels/registry.js';
import { sendTargetTest } from '../../../src/alerts/target-test.js';
import { loadConfig } from '../../../src/config/load.js';
import { DiscordStandIn } from '../../support/stand-ins/discord.js';
import { SlackStandIn } from '../../support/stand-ins/slack.js';
import { TeamsStandIn } from '../../support/stand-ins/teams.js';

const slack = new SlackStandIn();
const teams = new TeamsStandIn();
const discord = new DiscordStandIn();

beforeAll(async () => {
  await Promise.all([slack.start(), teams.start(), discord.start()]);
});
afterAll(async () => {
  await Promise.all([slack.stop(), teams.stop(), discord.stop()]);
});

const deps = () => ({
  channels: CHANNELS,
  notifiers: CHANNELS.createNotifiers(loadConfig({}, undefined)),
  publicUrl: 'http://127.0.0.1:9501',
  secrets: [],
});

describe('Send a test to Slack, Teams and Discord targets', () => {
  it('sends the real message format and says what each service answered', async () => {
    const d = deps();
    const targets = [
      { id: 1, type: 'slack', external_id: slack.webhook() },
      { id: 2, type: 'teams', external_id: teams.webhook() },
      { id: 3, type: 'discord', external_id: discord.webhook() },
    ];
    const results = await Promise.all(targets.map((target) => sendTargetTest(d, target)));
    expect(results.map((r) => [r.channel, r.ok, r.reply])).toEqual([
      ['slack', true, '200 OK: ok'],
      ['teams', true, '202 Accepted'],
      ['discord', true, '204 No Content'],
    ]);
    for (const r of results) expect(r.destination).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\*\*\*$/);
    expect([slack.accepted.length, teams.accepted.length, discord.accepted.length]).toEqual([1, 1, 1]);
  });

  it('a refused test says why, without the webhook secret', async () => {
    const hook = `${slack.http.origin}/services/T1/B1/removed-test-secret`;
    const result = await sendTargetTest(deps(), { id: 4, type: 'slack', external_id: hook });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.reply).toContain('no_service');
    expect(JSON.stringify(result)).not.toContain('removed-test-secret');
  });
});
