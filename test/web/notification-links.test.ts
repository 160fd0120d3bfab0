import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseCooldowns } from '../../src/alerts/cooldown.js';
import type { AlertNotification } from '../../src/alerts/notification.js';
import { summarize } from '../../src/alerts/render/summary.js';
import { DatabaseLease } from '../../src/scan/lease.js';
import { Scanner } from '../../src/scan/scanner.js';
import { logDocument } from '../support/log-documents.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  startWebHarness,
  type WebHarness,
} from './harness.js';

if (chromiumMissing) console.warn(`[web/notification-links] SKIPPED: ${chromiumMissing}`);

const MINUTE = 60_000;

describe.skipIf(chromiumMissing)('a notification link opens on what its headline says, in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  /** The notification sent after a cooldown held many violations back. */
  let afterCooldown: AlertNotification;
  let silenceId: number;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-notify-links-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    // The scans' wall clock starts in the past, so every alert row lies in "the last 24 hours".
    let clock = Date.now() - 40 * MINUTE;
    const now = () => clock;
    const scanner = new Scanner({
      ctx: h.ctx,
      source: async () => h.store,
      lease: new DatabaseLease(h.ctx.state.db, now),
      cooldowns: new DatabaseCooldowns(),
      now,
    });
    await h.ctx.appRules.create(
      { app_name: 'checkout', max_duration: 500, alert_channels: ['webhook'], cooldown_minutes: 10 },
      'test',
    );
    await h.ctx.targets.create(
      { name: 'hook', type: 'webhook', external_id: 'https://hooks.example.com/lagwatch', is_active: true },
      'test',
    );
    const t0 = Date.now() - 90 * MINUTE;
    let n = 0;
    const scan = async (logs: { time: number; duration: number }[]) => {
      const docs = logs.map((l) => logDocument({ ...l, app: 'checkout', correlation: `req-${n++}` }));
      expect(h.store.ingestDocuments(docs).rejected).toBe(0);
      expect(await scanner.run()).toMatchObject({ status: 'success' });
    };
    await scan([
      { time: t0, duration: 700 },
      { time: t0 + MINUTE, duration: 900 },
    ]);
    // In cooldown: 30 held back, one of them late (its time inside the first notification's span).
    for (let i = 0; i < 3; i++) {
      clock += MINUTE;
      await scan(
        Array.from({ length: 10 }, (_, j) => ({
          time: j === 0 && i === 1 ? t0 + 30_000 : t0 + (5 + i) * MINUTE + j * 1000,
          duration: j === 0 && i === 1 ? 4870 : 600 + i * 10 + j,
        })),
      );
    }
    clock += 10 * MINUTE;
    await scan([{ time: t0 + 20 * MINUTE, duration: 1240 }]);
    const sent = await h.ctx.state.db
      .selectFrom('alert_log')
      .select('payload')
      .where('status', '=', 'pending')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    afterCooldown = JSON.parse(sent.payload) as AlertNotification;
    // Muted, then one more violation: held back by that silence.
    const silence = await h.api('POST', '/silences', { app_name: 'checkout', duration_minutes: 60 });
    expect(silence.status).toBe(201);
    silenceId = silence.body.data.id;
    clock = Date.now();
    await scan([{ time: t0 + 25 * MINUTE, duration: 800 }]);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  it('the Violations page counts what the headline says; the alert log row says the same (desktop and phone)', async () => {
    const headline = summarize(afterCooldown).headline;
    expect(afterCooldown.count).toBe(31);
    expect(headline).toBe('Slow checkout: 31 violations, worst 4.87 s');
    for (const width of [1360, 390]) {
      const browser = await launchBrowser({ width, height: 900 });
      try {
        const page = await browser.context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));

        await page.goto(`${h.url}/${new URL(afterCooldown.dashboardUrl).hash}`);
        const count = page.getByTestId('violation-count');
        await eventually(() => count.textContent()).toMatch(/^31 violations, /);
        expect(await page.getByTestId('violation-histogram').getAttribute('data-total')).toBe('31');
        await expect(page.getByTestId('notification-filter').isVisible()).resolves.toBe(true);
        // Without the notification's set, the same window also holds the first notification's violation.
        await page.getByRole('button', { name: 'Show every violation of the rule in this range' }).click();
        await eventually(() => count.textContent()).toMatch(/^32 violations, /);
        expect(new URL(page.url()).hash).not.toContain('ids=');

        // The alert log: the row says 31 and links to the same view; the silenced row names its silence.
        await page.goto(`${h.url}/#/alerts?range=24h`);
        const rows = page.getByTestId('alert-row');
        await eventually(() => rows.count()).toBe(6);
        const newest = rows.first();
        await eventually(() => newest.textContent()).toContain('silenced');
        const silenceLink = newest.getByTestId('alert-silence').getByRole('link');
        await expect(silenceLink.isVisible()).resolves.toBe(true);
        expect(await silenceLink.textContent()).toBe(`silence #${silenceId}`);
        expect(await silenceLink.getAttribute('href')).toBe(`#/silences?id=${silenceId}`);
        // Followed, it opens on that silence, shown apart from the list.
        await silenceLink.click();
        const linked = page.getByTestId('linked-silence');
        await eventually(() => linked.textContent()).toContain('checkout');
        expect(await linked.textContent()).toContain('whole app');
        await page.goBack();
        await eventually(() => rows.count()).toBe(6);
        const sentRow = rows.nth(1);
        expect(await sentRow.textContent()).toContain('31 violations');
        const link = sentRow.getByRole('link', { name: 'checkout' });
        expect(await link.getAttribute('href')).toBe(new URL(afterCooldown.dashboardUrl).hash);
        await link.click();
        await eventually(() => count.textContent()).toMatch(/^31 violations, /);

        // The alert log's time filter: a range before the first alert lists none of them.
        await page.goto(`${h.url}/#/alerts?from=2026-01-01T00:00:00.000Z&to=2026-01-01T01:00:00.000Z`);
        await eventually(() => page.getByText('No alerts in this range.', { exact: false }).isVisible()).toBe(true);
        expect(await rows.count()).toBe(0);
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow).toBeLessThanOrEqual(0);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }
  }, 180_000);
});
