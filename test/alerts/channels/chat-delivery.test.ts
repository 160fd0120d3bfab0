import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../../../src/alerts/retry-policy.js';
import { announceSkips, driversUnderTest } from '../../support/databases.js';
import { logDocument } from '../../support/log-documents.js';
import { deliverAll, openScanWorld, type ScanWorld } from '../../support/scan-harness/world.js';
import { DiscordStandIn } from '../../support/stand-ins/discord.js';
import { SlackStandIn } from '../../support/stand-ins/slack.js';
import { TeamsStandIn } from '../../support/stand-ins/teams.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'Slack, Teams and Discord delivery');

const CHANNELS = ['slack', 'teams', 'discord'];

describe.each(drivers.map((d) => [d.driver, d] as const))(
  'Slack, Teams and Discord through the outbox over %s',
  (_name, driver) => {
    const slack = new SlackStandIn();
    const teams = new TeamsStandIn();
    const discord = new DiscordStandIn();
    let world: ScanWorld | undefined;

    beforeAll(async () => {
      await Promise.all([slack.start(), teams.start(), discord.start()]);
    });
    afterAll(async () => {
      await Promise.all([slack.stop(), teams.stop(), discord.stop()]);
    });
    afterEach(async () => {
      await world?.close();
      world = undefined;
    });

    it.skipIf(driver.skipReason)(
      "a real scan's alert and its resolution reach every service, in order even when the alert is retried",
      async () => {
        world = await openScanWorld(driver, { retry: exponentialBackoff({ baseMs: 10, maxMs: 50 }) });
        const { ctx, services } = world;
        await ctx.appRules.create(
          {
            app_name: 'api',
            max_duration: 500,
            alert_channels: CHANNELS,
            notify_resolved: true,
            resolve_after_minutes: 5,
          },
          'test',
        );
        const hooks = { slack: slack.webhook(), teams: teams.webhook(), discord: discord.webhook() };
        for (const [type, url] of Object.entries(hooks)) {
          await ctx.targets.create({ name: type, type, external_id: url, is_active: true }, 'test');
        }
        const t = Date.now() - 30 * 60_000;
        const slow = (at: number, id: string) =>
          logDocument({
            time: at,
            app: 'api',
            duration: 900,
            correlation: id,
            message: 'took long <!channel> @everyone',
          });
        await world.ingest([slow(t, 'req-a'), slow(t + 3 * 60_000, 'req-b')]);
        expect(await services.scanner.run()).toMatchObject({ violations: 2, alertsQueued: 3 });

        // Slack fails the alert once: its resolution, queued meanwhile, must not overtake it.
        slack.answerNext(SlackStandIn.answers.serverError);
        expect(await services.outbox.deliverDue()).toMatchObject({ sent: 2, retrying: 1 });
        await world.ingest([logDocument({ time: t + 9 * 60_000, app: 'api', duration: 10 })]);
        expect(await services.scanner.run()).toMatchObject({ violations: 0, alertsQueued: 3 });
        await deliverAll(services);

        const log = await ctx.state.db
          .selectFrom('alert_log')
          .select(['channel', 'kind', 'status'])
          .orderBy('id')
          .execute();
        expect(log.map((row) => row.status)).toEqual(Array(6).fill('sent'));
        const visible = {
          slack: slack.accepted.map((m) => m.reading),
          teams: teams.accepted.map((m) => m.reading),
          discord: discord.accepted.map((m) => m.reading),
        };
        for (const [type, readings] of Object.entries(visible)) {
          expect(readings, type).toHaveLength(2);
          expect(readings[0]!.visible, type).toContain('lagwatch: slow app');
          expect(readings[0]!.visible, type).toContain('took long <!channel> @');
          expect(
            readings[0]!.links.some((link) => link.url.includes('#/trace/req-')),
            type,
          ).toBe(true);
          expect(
            readings[0]!.links.some((link) => link.url.includes('#/silences?app=api')),
            type,
          ).toBe(true);
          expect(readings[1]!.visible, type).toContain('lagwatch: resolved');
          expect(readings[1]!.visible, type).toContain('back under 500 ms after 3 min, 2 violations');
        }
        expect(visible.slack.flatMap((r) => r.mentions)).toEqual([]);
        expect(visible.discord.flatMap((r) => [...r.mentions, ...r.pings])).toEqual([]);
        // Slack saw the alert twice (refused, then accepted) before the resolution.
        const slackBodies = slack.http.requests.map((r) =>
          r.body.includes('lagwatch: resolved') ? 'resolved' : 'alert',
        );
        expect(slackBodies).toEqual(['alert', 'alert', 'resolved']);
      },
    );
  },
);
