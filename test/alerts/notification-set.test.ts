import { afterEach, describe, expect, it } from 'vitest';
import { summarize } from '../../src/alerts/render/summary.js';
import type { WebhookPayload } from '../../src/alerts/render/webhook.js';
import { buildServer, type LagwatchServer } from '../../src/http/server.js';
import { isPerLogRule, parseRoute } from '../../web/src/url-scheme.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { startWebhookReceiver } from '../support/scan-harness/webhook-receiver.js';
import { deliverAll, openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'alerts/notification-set');

/** Nearest-rank percentile, independent of the code under test. */
const nearestRank = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
};

interface SlowLog {
  time: number;
  duration: number;
}

/** What the API lists for a link: the Violations page's own requests (list and histogram). */
async function violationsOfLink(server: LagwatchServer, link: string) {
  const route = parseRoute(new URL(link).hash);
  if (route.range?.kind !== 'custom') throw new Error(`no window in ${link}`);
  if (!isPerLogRule(route.rule)) throw new Error(`no rule in ${link}`);
  const query = new URLSearchParams({
    from: route.range.from.toISOString(),
    to: route.range.to.toISOString(),
    rule_type: route.rule.type,
    rule_id: String(route.rule.id),
    per_page: '500',
    ...(route.app ? { app_name: route.app } : {}),
    ...(route.violationIds ? { ids: `${route.violationIds.first}-${route.violationIds.last}` } : {}),
  });
  const list = await server.inject({ url: `/monitor/violation/by-app?${query}` });
  expect(list.statusCode, list.body).toBe(200);
  query.delete('per_page');
  const histogram = await server.inject({ url: `/monitor/violation/histogram?${query}` });
  expect(histogram.statusCode, histogram.body).toBe(200);
  const page = list.json().data as {
    total: number;
    items: { duration_ms: number; log_time: string }[];
    totals: { worst_ms: number; first_time: string; last_time: string };
  };
  const buckets = (histogram.json().data as { buckets: { count: number }[] }).buckets;
  return { page, histogramTotal: buckets.reduce((sum, b) => sum + b.count, 0) };
}

describe.each(drivers)('a notification, its alert log row and its link tell one story over $driver', (driver) => {
  let world: ScanWorld | undefined;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
  let server: LagwatchServer | undefined;
  afterEach(async () => {
    await server?.close();
    await hooks?.close();
    await world?.close();
    server = undefined;
    hooks = undefined;
    world = undefined;
  });

  /** Checks every sent webhook body against its alert log row and its link; returns the bodies. */
  async function checkSent(expected: SlowLog[][]): Promise<WebhookPayload[]> {
    if (!world || !hooks || !server) throw new Error('not open');
    await deliverAll(world.services);
    const bodies = hooks.received.map((h) => JSON.parse(h.body) as WebhookPayload);
    expect(bodies).toHaveLength(expected.length);
    const alerts = await server.inject({ url: '/alerts?per_page=500' });
    const sentRows = (alerts.json().data.items as { status: string; violation_count: number; dashboard_url: string }[])
      .filter((row) => row.status === 'sent')
      .reverse();
    for (const [i, body] of bodies.entries()) {
      const set = expected[i]!;
      const durations = set.map((v) => v.duration);
      const times = set.map((v) => v.time);
      // The headline figures: the whole set since the previous sent notification.
      expect(body).toMatchObject({
        count: set.length,
        since_last_alert: set.length,
        worst_ms: Math.max(...durations),
        p95_ms: nearestRank(durations, 95),
        first_at: new Date(Math.min(...times)).toISOString(),
        last_at: new Date(Math.max(...times)).toISOString(),
      });
      // The alert log row says the same and carries the same link.
      expect(sentRows[i]).toMatchObject({ violation_count: set.length, dashboard_url: body.dashboard_url });
      // The link opens exactly that set.
      const shown = await violationsOfLink(server, body.dashboard_url);
      expect(shown.page.total).toBe(set.length);
      expect(shown.histogramTotal).toBe(set.length);
      expect(shown.page.items.map((v) => v.duration_ms).sort((a, b) => a - b)).toEqual(
        [...durations].sort((a, b) => a - b),
      );
      expect(shown.page.totals.worst_ms).toBe(body.worst_ms);
      expect(shown.page.totals.first_time).toBe(body.first_at);
      expect(shown.page.totals.last_time).toBe(body.last_at);
    }
    return bodies;
  }

  it.skipIf(driver.skipReason)(
    'across a cooldown: the one notification after it reports every violation held back, a late one too',
    async () => {
      let clock = Date.now();
      world = await openScanWorld(driver, { env: { SCAN_BATCH_SIZE: '10' }, now: () => clock });
      hooks = await startWebhookReceiver();
      server = await buildServer(world.ctx);
      const { ctx, services } = world;
      await ctx.appRules.create(
        { app_name: 'api', max_duration: 500, alert_channels: ['webhook'], cooldown_minutes: 10 },
        'test',
      );
      await ctx.targets.create({ name: 'hook', type: 'webhook', external_id: hooks.url, is_active: true }, 'test');
      const t0 = clock - 30 * 60_000;
      let n = 0;
      const ingest = async (logs: SlowLog[]) => {
        await world!.ingest(logs.map((l) => logDocument({ ...l, app: 'api', correlation: `c${n++}` })));
      };

      const first: SlowLog[] = [
        { time: t0, duration: 700 },
        { time: t0 + 60_000, duration: 900 },
      ];
      await ingest(first);
      expect(await services.scanner.run()).toMatchObject({ violations: 2, alertsQueued: 1 });
      await deliverAll(services);

      // In cooldown: many scans, many batches, held back. One log is late: its time lies inside
      // the first notification's span, which a time window alone could not tell apart.
      const held: SlowLog[] = [{ time: t0 + 30_000, duration: 4870 }];
      for (let scan = 0; scan < 4; scan++) {
        clock += 60_000;
        const logs = Array.from({ length: 12 }, (_, i) => ({
          time: t0 + 120_000 + scan * 60_000 + i * 1000,
          duration: 520 + scan * 40 + i,
        }));
        if (scan === 1) logs.push(held[0]!);
        held.push(...(scan === 1 ? logs.slice(0, -1) : logs));
        await ingest(logs);
        expect(await services.scanner.run()).toMatchObject({ status: 'success', alertsQueued: 0 });
      }
      // Past the cooldown: one more violation, one notification for all of them.
      clock += 10 * 60_000;
      const last: SlowLog = { time: t0 + 20 * 60_000, duration: 1240 };
      await ingest([last]);
      expect(await services.scanner.run()).toMatchObject({ violations: 1, alertsQueued: 1 });

      const [, second] = await checkSent([first, [...held, last]]);
      expect(second!.count).toBe(50);
      // The text every channel shows says the same (it is rendered from the same figures).
      const row = await ctx.state.db.selectFrom('alert_log').select('payload').orderBy('id', 'desc').executeTakeFirst();
      const summary = summarize(JSON.parse(row!.payload));
      expect(summary.headline).toBe('Slow api: 50 violations, worst 4.87 s');
      expect(summary.countLine).toBe('50 violations since the last alert (1 in this scan), threshold 500 ms');
      expect(second!.samples[0]).toMatchObject({ duration_ms: 4870 });
    },
    90_000,
  );

  it.skipIf(driver.skipReason)(
    'across count windows: violations below the count are reported by the notification that reaches it',
    async () => {
      world = await openScanWorld(driver, { env: { SCAN_BATCH_SIZE: '10' } });
      hooks = await startWebhookReceiver();
      server = await buildServer(world.ctx);
      const { ctx, services } = world;
      await ctx.appRules.create(
        {
          app_name: 'api',
          max_duration: 500,
          alert_channels: ['webhook'],
          cooldown_minutes: 0,
          min_count: 5,
          window_minutes: 10,
        },
        'test',
      );
      await ctx.targets.create({ name: 'hook', type: 'webhook', external_id: hooks.url, is_active: true }, 'test');
      const t0 = Date.now() - 60 * 60_000;
      const scanOf = async (logs: SlowLog[], queued: number) => {
        await world!.ingest(logs.map((l) => logDocument({ ...l, app: 'api' })));
        expect(await services.scanner.run()).toMatchObject({ status: 'success', alertsQueued: queued });
      };
      // Below the count: 3 spread over 40 min, then 2 in one minute (2 of 5 in the window).
      const sparse = [0, 20, 40].map((m, i) => ({ time: t0 + m * 60_000, duration: 600 + i }));
      await scanOf(sparse, 0);
      const pair = [0, 1].map((i) => ({ time: t0 + 50 * 60_000 + i * 1000, duration: 2000 + i }));
      await scanOf(pair, 0);
      // Reached within one scan of several batches: every held-back violation is in it.
      const burst = Array.from({ length: 25 }, (_, i) => ({ time: t0 + 51 * 60_000 + i * 1000, duration: 510 + i }));
      await scanOf(burst, 1);
      // Then the next one starts after it: its own burst only.
      const next = Array.from({ length: 6 }, (_, i) => ({ time: t0 + 55 * 60_000 + i * 1000, duration: 3000 + i }));
      await scanOf(next, 1);

      const [first, second] = await checkSent([[...sparse, ...pair, ...burst], next]);
      expect(first!.window).toEqual({ minutes: 10, count: 27 });
      expect(second!.count).toBe(6);
    },
    90_000,
  );

  it.skipIf(driver.skipReason)(
    'a resolved notice covers its episode, held-back violations too; the next alert starts after it',
    async () => {
      let clock = Date.now();
      world = await openScanWorld(driver, { now: () => clock });
      hooks = await startWebhookReceiver();
      server = await buildServer(world.ctx);
      const { ctx, services } = world;
      await ctx.appRules.create(
        {
          app_name: 'api',
          max_duration: 500,
          alert_channels: ['webhook'],
          cooldown_minutes: 30,
          notify_resolved: true,
          resolve_after_minutes: 5,
        },
        'test',
      );
      await ctx.targets.create({ name: 'hook', type: 'webhook', external_id: hooks.url, is_active: true }, 'test');
      const t0 = Date.now() - 50 * 60_000;
      const scanOf = async (logs: SlowLog[], queued: number) => {
        await world!.ingest(logs.map((l) => logDocument({ ...l, app: 'api' })));
        expect(await services.scanner.run()).toMatchObject({ status: 'success', alertsQueued: queued });
      };
      const first = [0, 1].map((i) => ({ time: t0 + i * 1000, duration: 600 + i }));
      await scanOf(first, 1);
      clock += 60_000;
      const held = [0, 1, 2].map((i) => ({ time: t0 + 2 * 60_000 + i * 1000, duration: 2000 + i }));
      await scanOf(held, 0);
      // Ten quiet minutes of logs: resolved, reporting the episode's five.
      await scanOf([{ time: t0 + 12 * 60_000, duration: 10 }], 1);
      // Past the cooldown, one more: the alert reports it alone (the resolved notice told the rest).
      clock += 31 * 60_000;
      const again = [{ time: t0 + 20 * 60_000, duration: 900 }];
      await scanOf(again, 1);

      const [, resolved, next] = await checkSent([first, [...first, ...held], again]);
      expect(resolved).toMatchObject({ kind: 'resolved', resolved: { violations: 5 } });
      expect(next).toMatchObject({ kind: 'alert', count: 1 });
    },
    90_000,
  );

  it.skipIf(driver.skipReason)('GET /alerts filters by when rows were queued; a bad time is a 422', async () => {
    world = await openScanWorld(driver);
    server = await buildServer(world.ctx);
    const { ctx, services } = world;
    await ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: ['webhook'] }, 'test');
    await world.ingest([logDocument({ time: Date.now() - 5000, app: 'api', duration: 900 })]);
    await services.scanner.run();
    const [row] = await ctx.state.db.selectFrom('alert_log').select('created_at').execute();
    const at = Number(row!.created_at);
    const count = async (query: string) => {
      const answer = await server!.inject({ url: `/alerts?${query}` });
      expect(answer.statusCode, answer.body).toBe(200);
      return answer.json().data.total as number;
    };
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(await count('')).toBe(1);
    expect(await count(`from=${iso(at)}&to=${iso(at + 1)}`)).toBe(1);
    expect(await count(`from=${iso(at + 1)}&to=${iso(at + 60_000)}`)).toBe(0);
    expect(await count(`from=${iso(at - 60_000)}&to=${iso(at)}`)).toBe(0);
    const bad = await server.inject({ url: '/alerts?from=yesterday' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].field).toBe('from');
    const badIds = await server.inject({ url: '/monitor/violation/by-app?ids=9-3' });
    expect(badIds.statusCode).toBe(422);
  });
});
