import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScanServices } from '../../src/app/scan-services.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  RESULTS_DIR,
  startWebHarness,
  type WebHarness,
  withDashboardPage,
} from './harness.js';

// Browser globals used inside page.evaluate() callbacks (this file itself is type-checked for Node).
declare const document: {
  documentElement: { scrollWidth: number };
  querySelectorAll(selector: string): ArrayLike<unknown>;
};
declare function getComputedStyle(element: unknown): { backgroundColor: string };
/** The uPlot instance behind a chart (web/src/components/Chart.tsx keeps it on the element). */
type Plotted = { uplot?: { series: unknown[]; data: (number | null)[][]; width: number } };

if (chromiumMissing) console.warn(`[web/slos] SKIPPED: ${chromiumMissing}`);

/** With LAGWATCH_UPDATE_SCREENSHOTS=1 the README's screenshot is written too (docs/screenshots/). */
const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const MINUTE = 60_000;
const APP = 'shop-api';
const KEY = 'GET /cart';

/**
 * The seeded logs of shop-api GET /cart over the 28-day period: 994 good (at or under 500 ms,
 * 500 itself included) spread over the two days before the last two hours, and 6 bad (over
 * 500 ms) in the last 4 minutes. Left out of every figure: 10 logs without a duration, 30 bad
 * logs 30 days back (before the period), 40 bad logs of another key.
 *
 * "cart 99.5" (objective 99.5, the default burn alerts): SLI 994 / 1000 = 99.4 %; the budget
 * allows 0.5 % of 1,000 = 5 bad logs, 6 were: 1 − 6/5 = −20 % left. Its 1 h and 5 min windows
 * hold only the 6 bad logs: burn rate 1 / 0.005 = 200× ≥ 14.4×, so a scan fires it.
 * "cart 99" (objective 99, one burn alert at 1000×): SLI 99.4 %; 10 bad allowed, 6 were:
 * 1 − 6/10 = 40 % left; its 1 h rate 1 / 0.01 = 100× stays under 1000×, so it does not fire.
 */
const GOOD = 994;
const BAD_DURATIONS = [501, 650, 800, 1200, 2000, 5000];

describe.skipIf(chromiumMissing)('the SLO page and form, in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  const now = Date.now();
  let firingId: number;
  let calmId: number;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-slos-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot, { EMBEDDED_RETENTION_DAYS: '90' });
    const log = (time: number, extra: Record<string, unknown>, key = KEY) => ({
      '@timestamp': new Date(time).toISOString(),
      app_name: APP,
      message_key: key,
      level: 'info',
      message: `${key} done`,
      correlation_id: `slo-${time}-${Math.random()}`,
      ...extra,
    });
    const documents = [];
    const goodFrom = now - 50 * 60 * MINUTE;
    const goodSpan = 48 * 60 * MINUTE; // up to two hours ago
    for (let i = 0; i < GOOD; i++) {
      documents.push(log(goodFrom + Math.floor((i * goodSpan) / GOOD), { duration: [100, 250, 499, 500][i % 4] }));
    }
    for (const [i, duration] of BAD_DURATIONS.entries())
      documents.push(log(now - 4 * MINUTE + i * 20_000, { duration }));
    for (let i = 0; i < 10; i++) documents.push(log(now - 30 * MINUTE + i * 1000, {}));
    for (let i = 0; i < 30; i++) documents.push(log(now - 30 * 1440 * MINUTE + i * 1000, { duration: 900 }));
    for (let i = 0; i < 40; i++) documents.push(log(now - 10 * MINUTE + i * 1000, { duration: 900 }, 'GET /health'));
    expect(h.store.ingestDocuments(documents).rejected).toBe(0);
    mkdirSync(RESULTS_DIR, { recursive: true });

    const create = async (body: Record<string, unknown>) => {
      const answer = await h.api('POST', '/rules/slo', {
        app_name: APP,
        message_key: KEY,
        threshold_ms: 500,
        alert_channels: ['email'],
        ...body,
      });
      expect(answer.status).toBe(201);
      return answer.body.data.id as number;
    };
    firingId = await create({ name: 'cart 99.5', objective: 99.5 });
    calmId = await create({
      name: 'cart 99',
      objective: 99,
      burn_alerts: [{ long_minutes: 60, short_minutes: 5, factor: 1000 }],
    });
    // The real scanner judges the burn alerts: "cart 99.5" fires.
    const services = await createScanServices(h.ctx);
    try {
      await services.scanner.run();
    } finally {
      await services.close();
    }
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  const withPage = (width: number, path: string, run: (page: Page, sent: string[]) => Promise<void>) =>
    withDashboardPage(h.url, { width, height: 900 }, path, run);

  const sloItem = (page: Page, id: number) => page.locator(`[data-testid="slo"][data-slo-id="${id}"]`);
  /** Per chart of the open SLO: its series (time included) and its plot's width. */
  const charts = (page: Page, testId: string) =>
    page.evaluate(
      (selector) =>
        Array.from(document.querySelectorAll(selector) as ArrayLike<Plotted>).map((c) => ({
          series: c.uplot?.series.length ?? 0,
          width: c.uplot?.width ?? 0,
          lastValues: c.uplot?.data.slice(1).map((values) => values.filter((v) => v !== null).at(-1) ?? null) ?? [],
        })),
      `[data-testid="${testId}"] .chart`,
    );

  it("shows each SLO's exact SLI and budget (red when overspent), its charts and its incident", async () => {
    const status = (await h.api('GET', `/rules/slo/${firingId}/status`)).body.data;
    expect(status).toMatchObject({ good: GOOD, bad: 6, firing: true });
    // A silence of its key since earlier in the period: a band on the SLO's charts.
    const silence = await h.api('POST', '/silences', {
      app_name: APP,
      message_key: KEY,
      starts_at: new Date(Date.now() - 2 * 3_600_000).toISOString(),
      duration_minutes: 180,
      comment: 'deploy',
    });
    expect(silence.status).toBe(201);

    await withPage(1360, 'slos', async (page) => {
      const firing = sloItem(page, firingId);
      const calm = sloItem(page, calmId);
      await eventually(() => firing.getByTestId('slo-sli').textContent()).toBe('99.4%');
      expect(await firing.getByTestId('slo-budget').textContent()).toBe('−20%');
      expect(await firing.getByTestId('slo-counts').textContent()).toBe('994 good, 6 bad (1,000 logs)');
      expect(await firing.getByTestId('slo-objective').textContent()).toBe('99.5% of logs within 500 ms over 28 days');
      expect(await firing.locator('.badge', { hasText: 'firing' }).count()).toBe(1);
      await eventually(() => calm.getByTestId('slo-budget').textContent()).toBe('40%');
      expect(await calm.getByTestId('slo-sli').textContent()).toBe('99.4%');
      expect(await calm.locator('.badge', { hasText: /^ok$/ }).count()).toBe(1);
      // The overspent budget's bar is red (the theme's --bad, #c62828), the other one is not.
      const barColor = (id: number) =>
        sloItem(page, id)
          .getByTestId('slo-budget-bar')
          .evaluate((bar) => getComputedStyle(bar).backgroundColor);
      expect(await barColor(firingId)).toBe('rgb(198, 40, 40)');
      expect(await barColor(calmId)).not.toBe('rgb(198, 40, 40)');

      // Opening one: its URL, its burn-down chart and one burn-rate chart per burn alert.
      await firing.getByRole('link', { name: 'cart 99.5' }).click();
      await eventually(() => decodeURIComponent(page.url())).toContain(`#/slos?rule=slo:${firingId}`);
      await firing.getByTestId('slo-detail').waitFor();
      await eventually(async () => (await charts(page, 'slo-budget-chart')).length).toBe(1);
      await eventually(async () => (await charts(page, 'slo-burn-chart')).length).toBe(2);
      // The silence is drawn on the burn-down and on each burn-rate chart.
      const eventsOn = (testId: string) =>
        page
          .locator(`[data-testid="${testId}"] [data-events]`)
          .evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-events'))));
      await eventually(() => eventsOn('slo-budget-chart')).toEqual([1]);
      expect(await eventsOn('slo-burn-chart')).toEqual([1, 1]);
      const [budget] = await charts(page, 'slo-budget-chart');
      // Time, the budget left and the 0% line; the burn-down ends at the status's figure.
      expect(budget!.series).toBe(3);
      expect(budget!.lastValues[0]).toBeCloseTo(-20, 6);
      const burns = await charts(page, 'slo-burn-chart');
      // Time, the long and short windows' rates and the factor line, drawn at the factor.
      expect(burns.map((c) => c.series)).toEqual([4, 4]);
      expect(burns.map((c) => c.lastValues[2])).toEqual([14.4, 6]);
      expect(burns[0]!.lastValues[0]).toBeCloseTo(200, 6);
      expect(await firing.getByTestId('slo-burn-alerts').textContent()).toContain('now 200× and 200×');
      await page.screenshot({ path: join(RESULTS_DIR, 'slo-desktop.png'), fullPage: true });
      if (process.env.LAGWATCH_UPDATE_SCREENSHOTS === '1') {
        await page.screenshot({ path: join(DOCS_SCREENSHOTS, 'slo.png'), fullPage: true });
      }

      // Its incident, linked to the incident page.
      const incidents = (await h.api('GET', `/incidents?rule_type=slo&rule_id=${firingId}`)).body.data.items;
      expect(incidents).toHaveLength(1);
      const link = firing.getByTestId('slo-incidents').getByRole('link').first();
      await link.waitFor();
      // Its value is the long window's burn rate.
      expect(await firing.getByTestId('slo-incidents').locator('tbody tr').first().textContent()).toContain('200×');
      expect(decodeURIComponent((await link.getAttribute('href'))!)).toBe(
        `#/incidents?rule=slo:${firingId}&id=${incidents[0].id}`,
      );
      await link.click();
      const detail = page.getByTestId('incident-detail');
      await eventually(() => detail.getByRole('heading', { level: 2 }).first().textContent()).toBe(
        `Incident #${incidents[0].id} · cart 99.5`,
      );
      // Its rule links back to the SLO.
      const ruleLink = detail.getByRole('link', { name: `cart 99.5 (slo #${firingId})` });
      expect(decodeURIComponent((await ruleLink.getAttribute('href'))!)).toBe(`#/slos?rule=slo:${firingId}`);
    });
  });

  it('creates an SLO through the form, checking every field first, the default burn alerts shown', async () => {
    await withPage(1360, 'slos', async (page, sent) => {
      await page.getByRole('button', { name: 'New SLO' }).click();
      const dialog = page.getByRole('dialog', { name: 'New SLO' });
      const rows = dialog.getByTestId('burn-alert-row');
      const row = (i: number) => ({
        long: rows.nth(i).getByLabel('Long window (min)'),
        short: rows.nth(i).getByLabel('Short window (min)'),
        factor: rows.nth(i).getByLabel('Factor (×)'),
      });
      expect(await rows.count()).toBe(2);
      const values = async (i: number) => Promise.all(Object.values(row(i)).map((input) => input.inputValue()));
      expect([await values(0), await values(1)]).toEqual([
        ['60', '5', '14.4'],
        ['360', '30', '6'],
      ]);

      await dialog.getByLabel('Objective (%)').fill('100');
      await row(0).short.fill('60');
      await dialog.getByRole('button', { name: 'Create SLO' }).click();
      await eventually(() => dialog.locator('.field-error').allTextContents()).toEqual([
        'Enter a rule name',
        'Enter an app name',
        'Enter a threshold in milliseconds',
        'Enter an objective below 100%',
        'Enter a short window shorter than the long one',
      ]);
      expect(sent).toEqual([]);

      await dialog.getByLabel('Rule name').fill('cart 99.9');
      await dialog.getByLabel('App name').fill(APP);
      await dialog.getByLabel('Message key (optional)').fill(KEY);
      await dialog.getByLabel('Good within (ms)').fill('300');
      await dialog.getByLabel('Objective (%)').fill('99.9');
      await row(0).short.fill('5');
      await dialog.getByRole('button', { name: 'Remove burn alert 2' }).click();
      await dialog.getByRole('button', { name: 'Create SLO' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(sent).toEqual(['POST /rules/slo']);
      const created = (await h.api('GET', '/rules/slo?per_page=500')).body.data.items.find(
        (r: { name: string }) => r.name === 'cart 99.9',
      );
      expect(created).toMatchObject({
        app_name: APP,
        message_key: KEY,
        threshold_ms: 300,
        objective: 99.9,
        period_days: 28,
        burn_alerts: [{ long_minutes: 60, short_minutes: 5, factor: 14.4 }],
      });
      await eventually(() => sloItem(page, created.id).getByTestId('slo-objective').textContent()).toBe(
        '99.9% of logs within 300 ms over 28 days',
      );
    });
  });

  it('fits a phone (375 px): no sideways scroll, the charts within the screen; a failed status says so', async () => {
    await withPage(375, `slos?rule=slo:${firingId}`, async (page) => {
      await eventually(async () => (await charts(page, 'slo-burn-chart')).length).toBe(2);
      await eventually(() => sloItem(page, firingId).getByTestId('slo-budget').textContent()).toBe('−20%');
      const widths = [...(await charts(page, 'slo-budget-chart')), ...(await charts(page, 'slo-burn-chart'))].map(
        (c) => c.width,
      );
      for (const width of widths) expect(width).toBeGreaterThan(200);
      for (const width of widths) expect(width).toBeLessThanOrEqual(375);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(375);
      await page.screenshot({ path: join(RESULTS_DIR, 'slo-phone.png'), fullPage: true });
      await page.getByRole('button', { name: 'Edit cart 99.5' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit SLO' });
      expect(await dialog.getByLabel('Objective (%)').inputValue()).toBe('99.5');
      expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);

      // A status the server fails to give is said to have failed, never shown as "no logs".
      await page.route(`**/rules/slo/${calmId}/status`, (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ status: 'error', error: { code: 'unavailable', message: 'the log source failed' } }),
        }),
      );
      await page.reload();
      const calm = sloItem(page, calmId);
      await eventually(() => calm.getByTestId('slo-status-error').textContent()).toContain(
        'Figures unavailable: the log source failed',
      );
      expect(await calm.getByTestId('slo-no-logs').count()).toBe(0);
      expect(await calm.getByTestId('slo-sli').count()).toBe(0);
    });
  });
});
