import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lagwatch } from '../support/cli.js';
import { logDocument } from '../support/log-documents.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  RESULTS_DIR,
  startWebHarness,
  type WebHarness,
} from './harness.js';

if (chromiumMissing) console.warn(`[web/live-across-processes] SKIPPED: ${chromiumMissing}`);

const VIEWS = [
  { name: 'desktop-light', width: 1360, height: 900, colorScheme: 'light' },
  { name: 'phone-dark', width: 390, height: 844, colorScheme: 'dark' },
] as const;

/**
 * Point 10 in the browser: the dashboard of a running server shows a violation that a cron
 * `log:alert-scan` in ANOTHER process found, without a reload, through the state database's
 * event_log table. The page shows an absolute range, which the dashboard never refreshes on the
 * clock: only a live event can bring the new violation in.
 */
describe.skipIf(chromiumMissing)('live events from another process in Chromium', () => {
  let webRoot: string;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-live-across-'));
    await buildDashboard(webRoot);
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(() => {
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  describe.each(VIEWS)('$name', (view) => {
    let dir: string;
    let env: Record<string, string>;
    let h: WebHarness;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lagwatch-live-across-state-'));
      // What the server and the cron process share: the same state database and log store.
      env = {
        LOG_LEVEL: 'silent',
        DB_DRIVER: 'sqlite',
        DB_DATABASE: join(dir, 'state.db'),
        EMBEDDED_LOG_DB: join(dir, 'logs.db'),
        SCAN_INTERVAL_SECONDS: '0',
        SCAN_LAG_SECONDS: '0',
      };
      h = await startWebHarness(webRoot, env, { events: 'database', eventPollMs: 200 });
      browser = await launchBrowser({ width: view.width, height: view.height, colorScheme: view.colorScheme });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('shows the violation a cron log:alert-scan recorded, without a reload, and stays Live', {
      timeout: 90_000,
    }, async () => {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      const from = new Date(Date.now() - 60 * 60_000).toISOString();
      const to = new Date(Date.now() + 60 * 60_000).toISOString();
      await page.goto(`${h.url}/#/violations?from=${from}&to=${to}`);
      const live = page.locator('.live[role="status"]');
      await eventually(() => live.textContent()).toBe('Live');
      const rows = page.getByRole('table', { name: 'Violations' }).locator('tbody > tr');
      await eventually(() => page.getByText('No violations', { exact: false }).count()).toBeGreaterThan(0);
      expect(await rows.count()).toBe(0);

      // Slow logs and a rule on the shared installation; then the cron process scans.
      const correlation = `cron-${randomBytes(6).toString('hex')}`;
      await h.ctx.appRules.create({ app_name: 'api', max_duration: 500, alert_channels: [] }, 'test');
      const ingested = h.store.ingestDocuments([
        logDocument({ time: Date.now() - 60_000, app: 'api', key: 'GET /slow', duration: 900, correlation }),
        logDocument({ time: Date.now() - 59_000, app: 'api', key: 'GET /fast', duration: 20 }),
      ]);
      expect(ingested.rejected).toBe(0);
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
      });
      const result = await lagwatch(['log:alert-scan', '--json'], env, dir);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: 'success', violations: 1 });

      await eventually(() => rows.count()).toBe(1);
      const row = rows.first();
      expect(await row.locator('.vt-key').textContent()).toBe('GET /slow');
      expect(await row.getByRole('link', { name: correlation.slice(0, 8) }).count()).toBe(1);
      expect(await page.getByTestId('violation-count').textContent()).toMatch(/^1 violation,/);
      expect(await live.textContent()).toBe('Live');
      // The server received the cron process's events (violation, scan) through event_log.
      expect(h.ctx.events.status()).toMatchObject({ transport: 'database', receiving: true });
      expect(h.ctx.events.status().received).toBeGreaterThanOrEqual(2);
      expect(navigations).toEqual([]);
      expect(problems).toEqual([]);
      await page.screenshot({ path: join(RESULTS_DIR, `live-across-processes-${view.name}.png`), fullPage: true });
      await page.close();
    });
  });
});
