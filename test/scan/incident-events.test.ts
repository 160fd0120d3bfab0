import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LagwatchEvent } from '../../src/events/bus.js';
import { parseEvent } from '../../src/events/channel.js';
import { metricsRegistry } from '../../src/metrics/registry.js';
import { refreshStateGauges } from '../../src/stats/state-gauges.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'incident events');

/** The value of one sample of a metric of this process's registry (0 when absent). */
async function sample(name: string, kind: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

describe.each(drivers.map((d) => [d.driver, d] as const))('incident events and metrics, over %s', (_n, driver) => {
  let world: ScanWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it.skipIf(driver.skipReason)(
    'an incident that opens and resolves is published once each and counted; the gauge follows',
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
      const orders = (duration: number) =>
        Array.from({ length: 30 }, (_, i) =>
          logDocument({ time: clock - 1000 - i * 500, app: 'checkout', key: 'POST /orders', duration }),
        );
      const events: LagwatchEvent[] = [];
      const unsubscribe = ctx.events.subscribe((e) => events.push(e));
      const incidents = () => events.filter((e) => e.type === 'incident');
      const opened = await sample('lagwatch_incidents_opened_total', 'latency');
      const resolved = await sample('lagwatch_incidents_resolved_total', 'latency');
      try {
        await world.ingest(orders(1500));
        await services.scanner.run();
        await vi.waitFor(() => expect(incidents()).toHaveLength(1));
        const [open] = await ctx.state.db.selectFrom('incidents').select('id').execute();
        expect(incidents()[0]).toEqual({
          type: 'incident',
          data: {
            id: Number(open!.id),
            state: 'firing',
            rule_type: 'latency',
            rule_id: rule.id,
            name: 'orders p95',
            app_name: 'checkout',
            message_key: 'POST /orders',
            value: 1500,
            unit: 'ms',
          },
        });
        // Other processes' streams receive it too (event_log rows and Redis batches are parsed).
        expect(parseEvent('incident', JSON.stringify(incidents()[0]!.data))).toEqual(incidents()[0]);
        expect(await sample('lagwatch_incidents_opened_total', 'latency')).toBe(opened + 1);
        await refreshStateGauges(ctx.state.db);
        expect(await sample('lagwatch_incidents_firing', 'latency')).toBe(1);
        expect(await sample('lagwatch_incidents_firing', 'absence')).toBe(0);

        // Still firing: no new event.
        clock += 60_000;
        await services.scanner.run();
        // Fast again: resolved once.
        clock += 10 * 60_000;
        await world.ingest(orders(100));
        await services.scanner.run();
        await services.scanner.run({ dryRun: true });
        await vi.waitFor(() => expect(incidents()).toHaveLength(2));
        expect(incidents()[1]).toMatchObject({ data: { id: Number(open!.id), state: 'resolved' } });
        expect((incidents()[1]!.data as { value: number }).value).toBeLessThan(800);
        expect(await sample('lagwatch_incidents_resolved_total', 'latency')).toBe(resolved + 1);
        expect(await sample('lagwatch_incidents_opened_total', 'latency')).toBe(opened + 1);
        await refreshStateGauges(ctx.state.db);
        expect(await sample('lagwatch_incidents_firing', 'latency')).toBe(0);
        const text = await metricsRegistry.metrics();
        expect(text).toContain('lagwatch_incidents_firing{kind="latency"} 0');
        expect(text).toMatch(/lagwatch_incidents_opened_total\{kind="latency"\} \d+/);
      } finally {
        unsubscribe();
      }
      expect(incidents()).toHaveLength(2);
    },
  );

  it.skipIf(driver.skipReason)('a deleted rule resolves its incident: published as resolved', async () => {
    const clock = Date.now();
    world = await openScanWorld(driver, { now: () => clock });
    const { ctx, services } = world;
    const store = ctx.ruleStores.windowRules('absence');
    const rule = await store.create(
      {
        name: 'pay silent',
        app_name: 'payments',
        silent_minutes: 1,
        alert_channels: ['webhook'],
      },
      'test',
    );
    const events: LagwatchEvent[] = [];
    const unsubscribe = ctx.events.subscribe((e) => events.push(e));
    try {
      await services.scanner.run();
      await store.delete(rule.id, 'test');
      await services.scanner.run();
      await vi.waitFor(() => expect(events.filter((e) => e.type === 'incident')).toHaveLength(2));
    } finally {
      unsubscribe();
    }
    expect(events.filter((e) => e.type === 'incident').map((e) => (e.data as { state: string }).state)).toEqual([
      'firing',
      'resolved',
    ]);
  });
});
