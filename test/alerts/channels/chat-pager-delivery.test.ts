import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../../support/databases.js';
import { logDocument } from '../../support/log-documents.js';
import { deliverAll, openScanWorld, type ScanWorld } from '../../support/scan-harness/world.js';
import { GoogleChatStandIn } from '../../support/stand-ins/google-chat.js';
import { PagerDutyStandIn } from '../../support/stand-ins/pagerduty.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'Google Chat and PagerDuty delivery');

describe.each(drivers.map((d) => [d.driver, d] as const))(
  'Google Chat and PagerDuty delivery over %s',
  (_name, driver) => {
    const pagerDuty = new PagerDutyStandIn();
    const chat = new GoogleChatStandIn();
    let world: ScanWorld | undefined;
    beforeAll(async () => {
      await Promise.all([pagerDuty.start(), chat.start()]);
    });
    afterAll(async () => {
      await Promise.all([pagerDuty.stop(), chat.stop()]);
    });
    afterEach(async () => {
      await world?.close();
      world = undefined;
    });

    it.skipIf(driver.skipReason)(
      'a scan’s alert and its resolution: one PagerDuty incident opened then resolved, one Google Chat thread',
      async () => {
        world = await openScanWorld(driver, { env: { PAGERDUTY_EVENTS_URL: pagerDuty.eventsUrl } });
        const { ctx, services } = world;
        const routingKey = pagerDuty.routingKey();
        const hook = chat.space();
        const rule = await ctx.appRules.create(
          {
            app_name: 'api',
            max_duration: 500,
            alert_channels: ['pagerduty', 'google_chat'],
            notify_resolved: true,
            resolve_after_minutes: 5,
          },
          'test',
        );
        await ctx.targets.create(
          { name: 'on call', type: 'pagerduty', external_id: routingKey, is_active: true },
          'test',
        );
        await ctx.targets.create(
          { name: 'team space', type: 'google_chat', external_id: hook.url, is_active: true },
          'test',
        );

        const t = Date.now() - 30 * 60_000;
        await world.ingest([
          logDocument({ time: t, app: 'api', duration: 900, message: '<users/all> checkout slow *now*' }),
          logDocument({ time: t + 60_000, app: 'api', duration: 1200 }),
        ]);
        expect(await services.scanner.run()).toMatchObject({ violations: 2, alertsQueued: 2 });
        await deliverAll(services);
        expect(pagerDuty.incidentsOf(routingKey)).toMatchObject([
          { dedupKey: `lagwatch:app:${rule.id}`, status: 'triggered', triggers: 1, severity: 'error' },
        ]);
        expect(pagerDuty.incidentsOf(routingKey)[0]!.summary).toBe('[lagwatch] Slow api: 2 violations, worst 1.2 s');

        // Ten minutes of quiet logs resolve the rule: both channels hear of it.
        await world.ingest([logDocument({ time: t + 11 * 60_000, app: 'api', duration: 10 })]);
        expect(await services.scanner.run()).toMatchObject({ violations: 0, alertsQueued: 2 });
        await deliverAll(services);
        expect(pagerDuty.incidentsOf(routingKey).map((i) => [i.dedupKey, i.status])).toEqual([
          [`lagwatch:app:${rule.id}`, 'resolved'],
        ]);
        expect(pagerDuty.events.filter((e) => e.routing_key === routingKey).map((e) => e.event_action)).toEqual([
          'trigger',
          'resolve',
        ]);

        const messages = chat.inSpace(hook.space);
        expect(messages.map((m) => m.text)).toEqual([
          '🐢 lagwatch: Slow api: 2 violations, worst 1.2 s',
          '✅ lagwatch: Resolved: api back under 500 ms after 1 min, 2 violations',
        ]);
        expect(messages[1]!.thread).toBe(messages[0]!.thread);
        expect(messages.flatMap((m) => m.mentions)).toEqual([]);
        expect(messages[0]!.cardText.join('\n')).toContain('<users/all> checkout slow *now*');

        const log = await ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
        expect(log.map((r) => [r.channel, r.kind, r.status])).toEqual([
          ['pagerduty', 'alert', 'sent'],
          ['google_chat', 'alert', 'sent'],
          ['pagerduty', 'resolved', 'sent'],
          ['google_chat', 'resolved', 'sent'],
        ]);
      },
    );
  },
);
