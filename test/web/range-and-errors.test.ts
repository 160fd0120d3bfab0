import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startHttpServer } from '../../src/http/server.js';
import { PAGE_NAMES } from '../../web/src/url-scheme.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  RESULTS_DIR,
  startWebHarness,
  type WebHarness,
} from './harness.js';
import { seedDemoData } from './seed.js';

if (chromiumMissing) console.warn(`[web/range-and-errors] SKIPPED: ${chromiumMissing}`);

const MINUTE = 60_000;
const WIDTHS = [1360, 390] as const;

/**
 * Issue 24, points 2, 3 and 8: the picker shows the range in use, to the second; a failed
 * request never reads as "no data" and recovers within seconds of the server answering again;
 * the app and range go with links, and a URL value that cannot be shown says so.
 */
describe.skipIf(chromiumMissing)('range in use, failed requests and carried context, in Chromium', () => {
  let webRoot: string;
  let dataDir: string;
  let h: WebHarness;
  /** The server answering now (restarted on the same port after an outage). */
  let server: RunningServer;
  let violationTimes: number[];
  const now = Date.now();

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-range-web-'));
    dataDir = mkdtempSync(join(tmpdir(), 'lagwatch-range-data-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot, {
      DB_DATABASE: join(dataDir, 'state.db'),
      EMBEDDED_LOG_DB: join(dataDir, 'logs.db'),
    });
    server = h.server;
    await seedDemoData(h.ctx, h.store, { now: now - 2 * MINUTE, count: 1500, spanMs: 100 * MINUTE, seed: 24 });
    // Violations every 61.337 s: bounds to the second (and millisecond) matter.
    const rule = (await h.ctx.appRules.list({}, { page: 1, per_page: 100 })).items.find(
      (r) => r.app_name === 'checkout-api',
    )!;
    const extra = Array.from({ length: 70 }, (_, i) => {
      const logTime = now - 80 * MINUTE + i * 61_337;
      return {
        dedupe_key: `range-${String(i).padStart(6, '0')}`.padEnd(64, '0'),
        source_id: `range-${i}`,
        rule_type: 'app' as const,
        rule_id: rule.id,
        app_name: 'checkout-api',
        message_key: 'GET /range',
        duration_ms: 900 + i,
        threshold_ms: rule.max_duration,
        log_time: logTime,
        correlation_id: `range-trace-${i}`,
        level: 'warn',
        message: 'slow',
        created_at: logTime + 5_000,
      };
    });
    await h.ctx.state.db.insertInto('violations').values(extra).execute();
    const rows = await h.ctx.state.db.selectFrom('violations').select('log_time').orderBy('log_time').execute();
    violationTimes = rows.map((r) => Number(r.log_time));
  }, 180_000);

  afterAll(async () => {
    if (server !== h?.server) await server?.close();
    // The harness closes the server it started (already stopped when an outage test restarted it).
    await h?.close().catch(() => h.ctx.close());
    rmSync(webRoot, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const countIn = (from: number, to: number) => violationTimes.filter((t) => t >= from && t < to).length;

  async function withPage(width: number, use: (page: Page, errors: string[]) => Promise<void>): Promise<void> {
    const browser = await launchBrowser({ width, height: 900 });
    const errors: string[] = [];
    try {
      const page = await browser.context.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      await use(page, errors);
    } finally {
      await browser.close();
    }
  }

  /** Same-document navigation: the page's scripts stay (they must, while the server is down). */
  const goHash = (page: Page, hash: string) => page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
  const hashOf = (page: Page) => new URL(page.url()).hash;
  const subtitle = (page: Page) => page.getByTestId('range-in-use').textContent();
  const picker = (page: Page) => page.getByTestId('range-picker');
  const rangeSelect = (page: Page) => picker(page).locator('select');
  const customInputs = (page: Page) => picker(page).locator('input[type="datetime-local"]');
  const violationCount = async (page: Page) =>
    Number(
      ((await page.getByTestId('violation-count').textContent()) ?? '')
        .match(/^([\d,]+) violation/)?.[1]
        ?.replace(/,/g, ''),
    );
  /** `toLocalInput` in a browser whose zone is UTC: to the second. */
  const inputValue = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  /** The time a datetime-local field holds, in ms (Chromium leaves ":00" seconds out of the value). */
  const fieldTime = async (page: Page, nth: number) => Date.parse(`${await customInputs(page).nth(nth).inputValue()}Z`);
  const toSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
  const emptyTexts = (page: Page) =>
    page
      .locator('.empty')
      .evaluateAll((nodes) => nodes.map((n) => n.textContent ?? '').filter((t) => t !== 'Loading…'));

  it('the picker shows the range in use, to the second; Apply without a change changes nothing', async () => {
    // A link's range with milliseconds: truncating its bounds to the minute would change the count.
    expect(violationTimes.length).toBeGreaterThan(10);
    const from = Math.floor(violationTimes[1]! / MINUTE) * MINUTE + 7;
    const last = violationTimes
      .slice(Math.floor(violationTimes.length / 2))
      .find((t) => t % MINUTE > 1000 && t > from + MINUTE)!;
    const to = last + 1;
    const exact = countIn(from, to);
    expect(exact).toBeGreaterThan(1);
    expect(countIn(Math.floor(from / MINUTE) * MINUTE, Math.floor(to / MINUTE) * MINUTE)).not.toBe(exact);
    const link = `#/violations?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;

    for (const width of WIDTHS) {
      await withPage(width, async (page, errors) => {
        await page.goto(`${server.address}/#/?range=1h`);
        await eventually(() => subtitle(page)).toContain('Last hour');
        await eventually(() => rangeSelect(page).inputValue()).toBe('60');

        // The alert link, then Apply without touching the fields: same URL, same figures.
        await goHash(page, link);
        await eventually(() => violationCount(page)).toBe(exact);
        expect(await rangeSelect(page).inputValue()).toBe('custom');
        expect(await fieldTime(page, 0)).toBe(toSecond(from));
        expect(await fieldTime(page, 1)).toBe(toSecond(to));
        expect(await customInputs(page).nth(0).getAttribute('step')).toBe('1');
        const before = hashOf(page);
        const historyBefore = await page.evaluate<number>('window.history.length');
        await picker(page).getByRole('button', { name: 'Apply' }).click();
        await page.waitForTimeout(400);
        expect(hashOf(page)).toBe(before);
        expect(await page.evaluate<number>('window.history.length')).toBe(historyBefore);
        expect(await violationCount(page)).toBe(exact);
        await page.screenshot({ path: join(RESULTS_DIR, `range-picker-custom-${width}.png`), fullPage: true });

        // Back: the preset again, in the subtitle and in the picker (no custom fields left over).
        await page.goBack();
        await eventually(() => hashOf(page)).toBe('#/?range=1h');
        await eventually(() => subtitle(page)).toContain('Last hour');
        await eventually(() => rangeSelect(page).inputValue()).toBe('60');
        expect(await customInputs(page).count()).toBe(0);

        // Forward: the link's range, to the second, in the fields.
        await page.goForward();
        await eventually(() => rangeSelect(page).inputValue()).toBe('custom');
        await eventually(() => fieldTime(page, 1)).toBe(toSecond(to));

        // Overview from the nav keeps the range: the subtitle and the fields say the same.
        await page.locator('nav.nav a', { hasText: 'Overview' }).click();
        await eventually(() => hashOf(page)).toMatch(/^#\/\?from=/);
        expect(await rangeSelect(page).inputValue()).toBe('custom');
        expect(await fieldTime(page, 0)).toBe(toSecond(from));
        expect(await subtitle(page)).toContain(new Date(from).toISOString().slice(14, 19)); // minutes and seconds

        // A changed field is not in use until applied, and says so.
        await customInputs(page)
          .nth(0)
          .fill(inputValue(from - 3 * MINUTE));
        await eventually(() => page.getByTestId('range-pending').count()).toBe(1);
        expect(hashOf(page)).toContain(encodeURIComponent(new Date(from).toISOString()));
        await picker(page).getByRole('button', { name: 'Apply' }).click();
        await eventually(() => hashOf(page)).toContain(
          encodeURIComponent(new Date(Math.floor((from - 3 * MINUTE) / 1000) * 1000).toISOString()),
        );
        // The unchanged bound kept its milliseconds.
        expect(hashOf(page)).toContain(encodeURIComponent(new Date(to).toISOString()));
        expect(errors).toEqual([]);
      });
    }
  }, 240_000);

  it('a failed request shows its error and its last figures "as of", never "no data"; recovery within seconds', async () => {
    for (const width of WIDTHS) {
      await withPage(width, async (page, errors) => {
        await page.goto(`${server.address}/#/?range=6h`);
        await eventually(() => page.getByTestId('stat-total-logs').textContent()).toMatch(/^[\d,]+$/);
        await eventually(() => page.locator('.live-live').count()).toBe(1);
        const totalLogs = await page.getByTestId('stat-total-logs').textContent();

        // One request fails (the server answers 503) while the others answer: its panels keep their figures, marked.
        await page.route('**/dashboard/overview?**', (route) =>
          route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'unavailable', message: 'the log store is unavailable' } }),
          }),
        );
        h.ctx.events.publish({ type: 'ingest', data: { accepted: 1, rejected: 0 } });
        await eventually(() => page.getByTestId('as-of').count()).toBe(2); // the cards and the Levels card
        expect(await page.getByTestId('stat-total-logs').textContent()).toBe(totalLogs);
        expect(await page.getByTestId('panel-error').first().textContent()).toContain('the log store is unavailable');
        await page.unroute('**/dashboard/overview?**');
        const answeringAgain = Date.now();
        await eventually(() => page.getByTestId('panel-error').count()).toBe(0);
        expect(Date.now() - answeringAgain).toBeLessThan(8_000);

        // The server stops; the range changes: every panel says its request failed, none says "no logs".
        await server.close();
        await eventually(() => page.locator('.live-offline').count()).toBe(1);
        await rangeSelect(page).selectOption('1440');
        await eventually(() => page.getByTestId('panel-error').count()).toBe(4); // cards, chart, apps, levels
        expect(await emptyTexts(page)).toEqual([]);
        expect(await page.getByTestId('stat-total-logs').textContent()).toBe('—');
        const levels = page.locator('.card', { has: page.getByRole('heading', { name: 'Levels and averages' }) });
        expect(await levels.getByTestId('panel-error').textContent()).toContain('cannot be reached');
        await page.screenshot({ path: join(RESULTS_DIR, `outage-overview-${width}.png`), fullPage: true });

        // Every other page but Tokens (admin only): the error, never an empty state.
        for (const view of PAGE_NAMES.filter((name) => name !== 'overview' && name !== 'tokens')) {
          await goHash(page, `#/${view}?range=24h`);
          await eventually(() => page.getByTestId('panel-error').count()).toBeGreaterThan(0);
          expect({ view, empty: await emptyTexts(page) }).toEqual({ view, empty: [] });
        }

        // The server answers again: the errors clear within seconds, the figures are back.
        await goHash(page, '#/?range=24h');
        await eventually(() => page.getByTestId('panel-error').count()).toBe(4);
        server = await startHttpServer(h.ctx, { host: '127.0.0.1', port: server.port, webRoot });
        const back = Date.now();
        await eventually(() => page.getByTestId('panel-error').count()).toBe(0);
        expect(Date.now() - back).toBeLessThan(6_000);
        await eventually(() => page.getByTestId('stat-total-logs').textContent()).toMatch(/^[\d,]+$/);
        await eventually(() => page.locator('.live-live').count()).toBe(1);
        expect(Date.now() - back).toBeLessThan(8_000);
        expect(errors).toEqual([]);
      });
    }
  }, 300_000);

  it('the app and range go with links; Traces has the picker; a URL value that cannot be shown says so', async () => {
    for (const width of WIDTHS) {
      await withPage(width, async (page, errors) => {
        await page.goto(`${server.address}/#/?range=6h&app=checkout-api`);
        const nav = (label: string) => page.locator('nav.nav a', { hasText: label });
        await eventually(() => nav('Violations').getAttribute('href')).toBe('#/violations?range=6h&app=checkout-api');
        await nav('Violations').click();
        await eventually(() => page.locator('form[aria-label="Filter violations"] select').first().inputValue()).toBe(
          'checkout-api',
        );
        await eventually(() => violationCount(page)).toBeGreaterThan(0);
        await nav('Traces').click();
        await eventually(() => hashOf(page)).toBe('#/trace?range=6h&app=checkout-api');
        expect(await picker(page).count()).toBe(1);
        expect(await subtitle(page)).toContain('Last 6 hours');
        await rangeSelect(page).selectOption('1440');
        await eventually(() => hashOf(page)).toContain('range=24h');

        // The apps table's counts open the same range's violations of that app.
        await goHash(page, '#/?range=6h');
        const countLink = page.getByRole('table', { name: 'Apps' }).locator('a.text-bad').first();
        await eventually(() => countLink.count()).toBe(1);
        const linked = Number((await countLink.textContent())!.replace(/,/g, ''));
        expect(await countLink.getAttribute('href')).toMatch(/^#\/violations\?range=6h&app=/);
        await countLink.click();
        await eventually(() => violationCount(page)).toBe(linked);

        // Values the dashboard cannot show: said in a notice, not silently replaced.
        const notice = async () => (await page.getByTestId('url-notice').allTextContents()).join(' | ');
        await goHash(page, '#/violations?range=2h');
        await eventually(notice).toContain('range=2h is not one of the ranges offered');
        expect(await notice()).toMatch(/showing (Last|[A-Z][a-z]{2} \d)/);
        expect(hashOf(page)).toContain('range=2h'); // the URL is not rewritten behind the notice
        await goHash(page, '#/violations?range=6h&page=99');
        await eventually(notice).toMatch(/page=99 is past the end: this list has \d+ pages?/);
        expect(await emptyTexts(page)).toEqual([]);
        await page.getByTestId('url-notice').getByRole('link', { name: 'Last page' }).click();
        await eventually(() => page.getByTestId('url-notice').count()).toBe(0);
        await eventually(() => violationCount(page)).toBeGreaterThan(0);
        await goHash(page, '#/violations?range=6h&sort=loudest');
        await eventually(notice).toContain('sort=loudest is not one this list knows');
        await goHash(page, '#/?range=6h&sort=bogus');
        await eventually(notice).toContain('sort=bogus');
        await goHash(page, '#/alerts?status=lost');
        await eventually(notice).toContain('status=lost');
        await goHash(page, '#/incidents?status=open');
        await eventually(notice).toContain('status=open');
        await goHash(page, `#/violations?from=yesterday&to=${new Date(now).toISOString()}`);
        await eventually(notice).toContain('from=yesterday is not a time');
        await page.screenshot({ path: join(RESULTS_DIR, `url-notice-${width}.png`), fullPage: true });
        // A valid view has no notice.
        await goHash(page, '#/violations?range=6h');
        await eventually(() => page.getByTestId('url-notice').count()).toBe(0);
        expect(errors).toEqual([]);
      });
    }
  }, 240_000);
});
