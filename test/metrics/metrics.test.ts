import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { closedPort } from '../support/ports.js';
import { startWebhookReceiver } from '../support/scan-harness/webhook-receiver.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'metrics');

/** The value of one sample in Prometheus text, 0 when absent (counters start unexported). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).match(/^\{([^}]*)\}/)?.[1] ?? '';
    const present = labelText ? labelText.split(',') : [];
    if (wanted.every((w) => present.includes(w)) && present.length === wanted.length) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return 0;
}

describe.each(drivers.map((d) => [d.driver, d] as const))('/metrics for scans and alerts, over %s', (_n, driver) => {
  let world: ScanWorld | undefined;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
  afterEach(async () => {
    await world?.close();
    await hooks?.close();
    world = hooks = undefined;
  });

  it.skipIf(driver.skipReason)(
    'counts scans, violations, queued alerts and deliveries, and reads the backlog and checkpoint lag from the database',
    async () => {
      world = await openScanWorld(driver);
      hooks = await startWebhookReceiver();
      const { ctx, services } = world;
      const app = await buildServer(ctx);
      const metrics = async () => (await app.inject({ url: '/metrics' })).body;
      try {
        await ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: ['webhook'] }, 'test');
        await ctx.targets.create({ name: 'up', type: 'webhook', external_id: hooks.url, is_active: true }, 'test');
        const down = `http://127.0.0.1:${await closedPort()}/hook`;
        await ctx.targets.create({ name: 'down', type: 'webhook', external_id: down, is_active: true }, 'test');
        await world.ingest(
          [800, 900, 1000].map((d, i) => logDocument({ time: Date.now() - 30_000 + i, app: 'api', duration: d })),
        );

        const before = await metrics();
        expect(await services.scanner.run()).toMatchObject({ status: 'success', violations: 3, alertsQueued: 2 });
        const scanned = await metrics();
        const delta = (name: string, labels?: Record<string, string>) =>
          sample(scanned, name, labels) - sample(before, name, labels);
        expect(delta('lagwatch_scans_total', { status: 'success' })).toBe(1);
        expect(delta('lagwatch_scan_duration_seconds_count')).toBe(1);
        expect(delta('lagwatch_logs_scanned_total')).toBe(3);
        expect(delta('lagwatch_violations_total')).toBe(3);
        expect(delta('lagwatch_alerts_queued_total')).toBe(2);
        expect(sample(scanned, 'lagwatch_alerts_pending')).toBe(2);
        expect(sample(scanned, 'lagwatch_state_database_up')).toBe(1);
        const source = (await services.source()).key;
        const lag = sample(scanned, 'lagwatch_checkpoint_lag_seconds', { source });
        expect(lag).toBeGreaterThanOrEqual(0);
        expect(lag).toBeLessThan(120);

        await services.outbox.deliverDue();
        const delivered = await metrics();
        const sent = (outcome: string, text: string) =>
          sample(text, 'lagwatch_alert_deliveries_total', { channel: 'webhook', outcome });
        expect(sent('sent', delivered) - sent('sent', scanned)).toBe(1);
        expect(sent('retrying', delivered) - sent('retrying', scanned)).toBe(1);
        expect(hooks.received).toHaveLength(1);
        expect(sample(delivered, 'lagwatch_alerts_pending')).toBe(1);
        // The age of the row still waiting, as of the scrape: between the clock before and after it.
        const waiting = await ctx.state.db
          .selectFrom('alert_log')
          .select('created_at')
          .where('status', '=', 'pending')
          .executeTakeFirstOrThrow();
        const queuedAt = Number(waiting.created_at);
        const scrapeFrom = Date.now();
        const scraped = await metrics();
        const scrapeTo = Date.now();
        const age = sample(scraped, 'lagwatch_alerts_oldest_pending_age_seconds');
        expect(age).toBeGreaterThanOrEqual((scrapeFrom - queuedAt) / 1000);
        expect(age).toBeLessThanOrEqual((scrapeTo - queuedAt) / 1000);
        expect(scrapeFrom).toBeGreaterThan(queuedAt); // so a gauge stuck at 0 would fail above
      } finally {
        await app.close();
      }
    },
  );
});
