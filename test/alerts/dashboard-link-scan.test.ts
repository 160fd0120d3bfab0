import { describe, expect, it } from 'vitest';
import { alertRowDashboardUrl } from '../../src/alerts/dashboard-link.js';
import type { AlertNotification } from '../../src/alerts/notification.js';
import { listViolations } from '../../src/stats/violation-list.js';
import { isPerLogRule, parseRoute } from '../../web/src/url-scheme.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { openScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'alerts/dashboard-link-scan');

describe.each(drivers)('notification links from real scans over $driver', (driver) => {
  it.skipIf(driver.skipReason)(
    'each alert log row links to exactly the violations its notification reported',
    async () => {
      const world = await openScanWorld(driver);
      try {
        const { ctx, services } = world;
        const base = { app_name: 'api', alert_channels: ['webhook' as const], cooldown_minutes: 0 };
        const appRule = await ctx.appRules.create({ ...base, max_duration: 500 }, 'test');
        const keyRule = await ctx.messageRules.create({ ...base, message_key: 'GET /slow', max_duration: 700 }, 'test');
        const t = Date.now() - 60 * 60_000;
        let n = 0;
        const slow = (at: number, key: string, count: number) =>
          Array.from({ length: count }, (_, i) =>
            logDocument({ time: at + i * 7_000, app: 'api', key, duration: 800 + n++ * 10, correlation: `c${n}` }),
          );
        // Scan 1: both rules, interleaved in the same minute; scan 2, 40 s on (within a minute): both again.
        await world.ingest([...slow(t, 'GET /a', 3), ...slow(t + 2_000, 'GET /slow', 2)]);
        await services.scanner.run();
        await world.ingest([...slow(t + 40_000, 'GET /b', 4), ...slow(t + 41_000, 'GET /slow', 3)]);
        await services.scanner.run();

        const rows = await ctx.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute();
        expect(rows).toHaveLength(4);
        for (const row of rows) {
          const notification = JSON.parse(row.payload) as AlertNotification;
          expect(alertRowDashboardUrl(ctx.config.publicUrl, row)).toBe(notification.dashboardUrl);
          const route = parseRoute(new URL(notification.dashboardUrl).hash);
          expect(route.rule).toEqual({ type: row.rule_type, id: Number(row.rule_id) });
          if (route.range?.kind !== 'custom') throw new Error(`no window in ${notification.dashboardUrl}`);
          if (!isPerLogRule(route.rule)) throw new Error(`no per-log rule in ${notification.dashboardUrl}`);
          const shown = await listViolations(
            ctx.state,
            {
              app_name: route.app,
              message_key: route.key,
              rule_type: route.rule.type,
              rule_id: route.rule.id,
              range: { from: route.range.from.getTime(), to: route.range.to.getTime() },
            },
            { page: 1, per_page: 500 },
          );
          expect(shown.total, notification.dashboardUrl).toBe(notification.count);
          expect(shown.items.every((v) => v.rule_type === row.rule_type && v.rule_id === Number(row.rule_id))).toBe(
            true,
          );
          expect(Date.parse(shown.totals.first_time!)).toBe(notification.firstAt);
          expect(Date.parse(shown.totals.last_time!)).toBe(notification.lastAt);
        }
        // No webhook target: nothing was sent, so scan 2's rows report scan 1's violations too.
        expect(rows.map((r) => r.status)).toEqual(['suppressed', 'suppressed', 'suppressed', 'suppressed']);
        expect(rows.map((r) => [r.rule_type, Number(r.rule_id), Number(r.violation_count)])).toEqual([
          ['app', appRule.id, 3],
          ['message', keyRule.id, 2],
          ['app', appRule.id, 7],
          ['message', keyRule.id, 5],
        ]);
      } finally {
        await world.close();
      }
    },
    60_000,
  );
});
