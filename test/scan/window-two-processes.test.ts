import { afterEach, describe, expect, it } from 'vitest';
import { lagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { TelegramStandIn } from '../support/telegram-stand-in.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'window rules in two processes');

describe.each(drivers.map((d) => [d.driver, d] as const))(
  'a window rule judged by two processes, over %s',
  (_n, driver) => {
    let world: ScanWorld | undefined;
    let standIn: TelegramStandIn | undefined;
    afterEach(async () => {
      await world?.close();
      world = undefined;
      await standIn?.close();
      standIn = undefined;
    });

    it.skipIf(driver.skipReason)(
      'two log:alert-scan started together over one state database and store: one incident, one alert',
      async () => {
        standIn = await TelegramStandIn.start();
        world = await openScanWorld(driver, {
          env: { TELEGRAM_BOT_TOKEN: standIn.token, TELEGRAM_API_BASE: standIn.apiBase, TELEGRAM_CHAT_ID: '6101' },
        });
        const { ctx } = world;
        await ctx.ruleStores.windowRules('latency').create(
          {
            name: 'orders p95',
            app_name: 'checkout',
            message_key: 'POST /orders',
            statistic: 'p95',
            threshold: 800,
            alert_channels: ['telegram_chat'],
          },
          'test',
        );
        const now = Date.now();
        await world.ingest(
          Array.from({ length: 40 }, (_, i) =>
            logDocument({ time: now - 2000 - i * 500, app: 'checkout', key: 'POST /orders', duration: 1500 }),
          ),
        );

        const w = world;
        const results = await Promise.all([
          lagwatch(['log:alert-scan', '--json'], w.env, w.dir),
          lagwatch(['log:alert-scan', '--json'], w.env, w.dir),
        ]);
        for (const r of results) expect(r.code, r.stderr).toBe(0);
        const statuses = results.map((r) => (JSON.parse(r.stdout) as { status: string }).status);
        for (const s of statuses) expect(['success', 'skipped']).toContain(s);
        expect(statuses).toContain('success');

        const incidents = await ctx.state.db.selectFrom('incidents').selectAll().execute();
        expect(incidents.map((i) => [i.rule_type, i.state])).toEqual([['latency', 'firing']]);
        const rows = await ctx.state.db.selectFrom('alert_log').select(['rule_type', 'kind', 'status']).execute();
        expect(rows).toEqual([{ rule_type: 'latency', kind: 'alert', status: 'sent' }]);
        expect(standIn.messagesTo('6101')).toHaveLength(1);
      },
      120_000,
    );
  },
);
