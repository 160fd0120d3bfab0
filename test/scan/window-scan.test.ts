import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseCooldowns } from '../../src/alerts/cooldown.js';
import type { AlertNotification } from '../../src/alerts/notification.js';
import type { LogSource } from '../../src/logs/source.js';
import { listIncidents } from '../../src/scan/incidents.js';
import { DatabaseLease } from '../../src/scan/lease.js';
import { Scanner } from '../../src/scan/scanner.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'window rules in scans');

describe.each(drivers.map((d) => [d.driver, d] as const))('window rules in real scans, over %s', (_name, driver) => {
  let world: ScanWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  const slowOrders = (now: number, count: number, duration: number) =>
    Array.from({ length: count }, (_, i) =>
      logDocument({ time: now - 1000 - i * 500, app: 'checkout', key: 'POST /orders', duration }),
    );

  it.skipIf(driver.skipReason)(
    'a scan of the embedded store fires one alert per incident and resolves it once; two scanners at once evaluate once',
    async () => {
      let clock = Date.now();
      world = await openScanWorld(driver, { now: () => clock });
      const { ctx, services } = world;
      await ctx.targets.create(
        { name: 'hook', type: 'webhook', external_id: 'http://127.0.0.1:9/h', is_active: true },
        'test',
      );
      const rule = await ctx.ruleStores.windowRules('latency').create(
        {
          name: 'orders p95',
          app_name: 'checkout',
          message_key: 'POST /orders',
          statistic: 'p95',
          threshold: 800,
          alert_channels: ['webhook'],
        },
        'test',
      );
      await world.ingest(slowOrders(clock, 40, 1500));

      // Two scanners sharing the lease, at once: the window rules are evaluated once.
      const lease = new DatabaseLease(ctx.state.db);
      const cooldowns = new DatabaseCooldowns();
      const scanner = () => new Scanner({ ctx, source: services.source, lease, cooldowns, now: () => clock });
      const [a, b] = await Promise.all([
        scanner().run({ waitForLeaseMs: 20_000 }),
        scanner().run({ waitForLeaseMs: 20_000 }),
      ]);
      expect([a.status, b.status]).toEqual(['success', 'success']);
      const fired = [a, b].flatMap((r) => r.windowSeries ?? []).filter((s) => s.event === 'alert');
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatchObject({ rule_type: 'latency', rule_id: rule.id, state: 'firing', samples: 40 });

      const rows = await ctx.state.db.selectFrom('alert_log').selectAll().execute();
      expect(rows.map((r) => [r.rule_type, r.kind, r.status, r.channel])).toEqual([
        ['latency', 'alert', 'pending', 'webhook'],
      ]);
      const payload = JSON.parse(rows[0]!.payload) as AlertNotification;
      expect(payload.sentence).toMatch(
        /^checkout POST \/orders: p95 1,5\d\d ms over the last 5 min > 800 ms \(40 logs\), firing since \d\d:\d\d UTC$/,
      );
      expect((await listIncidents(ctx.state.db, { state: 'firing' }, { page: 1, per_page: 10 })).total).toBe(1);

      // Ten minutes later the orders are fast again: resolved once.
      clock += 10 * 60_000;
      await world.ingest(slowOrders(clock, 30, 100));
      const resolved = await services.scanner.run();
      expect(resolved.windowSeries?.[0]).toMatchObject({ state: 'ok', event: 'resolved' });
      await services.scanner.run();
      const kinds = (await ctx.state.db.selectFrom('alert_log').select('kind').orderBy('id').execute()).map(
        (r) => r.kind,
      );
      expect(kinds).toEqual(['alert', 'resolved']);
      expect((await listIncidents(ctx.state.db, { state: 'resolved' }, { page: 1, per_page: 10 })).total).toBe(1);

      // --dry-run tells what a scan would do and writes nothing.
      clock += 60_000;
      await world.ingest(slowOrders(clock, 40, 2000));
      const dry = await services.scanner.run({ dryRun: true });
      expect(dry.windowSeries?.[0]).toMatchObject({ state: 'firing', event: 'alert' });
      expect(await ctx.state.db.selectFrom('alert_log').select('id').execute()).toHaveLength(2);
    },
  );

  it.skipIf(driver.skipReason)(
    'a source that cannot be read fires no absence rule: the scan fails and evaluates nothing',
    async () => {
      let clock = Date.now();
      world = await openScanWorld(driver, { now: () => clock });
      const { ctx, services } = world;
      await ctx.ruleStores.windowRules('absence').create(
        {
          name: 'payments silent',
          app_name: 'payments',
          silent_minutes: 1,
          alert_channels: ['webhook'],
        },
        'test',
      );
      const real = await services.source();
      const broken: LogSource = Object.assign(Object.create(Object.getPrototypeOf(real)), real, {
        windowStats: async () => {
          throw new Error('log store unreadable');
        },
      });
      const lease = new DatabaseLease(ctx.state.db);
      const failing = new Scanner({
        ctx,
        source: async () => broken,
        lease,
        cooldowns: new DatabaseCooldowns(),
        now: () => clock,
      });
      clock += 5 * 60_000;
      const report = await failing.run();
      expect(report.status).toBe('failed');
      expect(report.error).toContain('log store unreadable');
      const unreachable = new Scanner({
        ctx,
        source: async () => {
          throw new Error('connection refused');
        },
        lease,
        cooldowns: new DatabaseCooldowns(),
        now: () => clock,
      });
      expect((await unreachable.run()).status).toBe('failed');
      expect(await ctx.state.db.selectFrom('rule_series').selectAll().execute()).toHaveLength(0);
      expect(await ctx.state.db.selectFrom('alert_log').selectAll().execute()).toHaveLength(0);
      // A working source: the silence is real, it fires.
      const ok = await services.scanner.run();
      expect(ok.windowSeries?.[0]).toMatchObject({ rule_type: 'absence', state: 'firing', event: 'alert' });
    },
  );
});
