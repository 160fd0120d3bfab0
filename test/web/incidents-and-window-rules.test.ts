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
  launchBrowser,
  RESULTS_DIR,
  startWebHarness,
  type WebHarness,
} from './harness.js';

// Browser globals used inside page.evaluate() callbacks (this file itself is type-checked for Node).
declare const document: {
  documentElement: { scrollWidth: number };
  querySelector(selector: string): unknown;
};
/** The uPlot instance behind a chart (web/src/components/Chart.tsx keeps it on the element). */
type Plotted = { uplot?: { data: (number | null)[][] } };

if (chromiumMissing) console.warn(`[web/incidents-and-window-rules] SKIPPED: ${chromiumMissing}`);

/** With LAGWATCH_UPDATE_SCREENSHOTS=1 the README's screenshots are written too (docs/screenshots/). */
const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

const MINUTE = 60_000;
const APP = 'checkout-api';
const KEY = 'POST /orders';
/** Logs per minute of the seeded app and key. */
const PER_MINUTE = 20;
/** The last this many minutes are slow (1,200–1,290 ms); before, 200–290 ms. */
const SLOW_MINUTES = 20;
const SEEDED_MINUTES = 100;

interface View {
  name: string;
  width: number;
  height: number;
}
const DESKTOP: View = { name: 'desktop', width: 1360, height: 900 };
const PHONE: View = { name: 'phone', width: 390, height: 844 };

interface SeededLog {
  time: number;
  duration: number;
}

/** Nearest rank: the smallest value with at least p% of the values at or below it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe.skipIf(chromiumMissing)('incidents and window rule forms, in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  const logs: SeededLog[] = [];
  const now = Date.now();

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-incidents-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    const documents = [];
    for (let minute = SEEDED_MINUTES; minute > 0; minute--) {
      for (let i = 0; i < PER_MINUTE; i++) {
        const time = now - minute * MINUTE + i * (MINUTE / PER_MINUTE);
        const duration = (minute <= SLOW_MINUTES ? 1200 : 200) + (i % 10) * 10;
        logs.push({ time, duration });
        documents.push({
          '@timestamp': new Date(time).toISOString(),
          app_name: APP,
          message_key: KEY,
          duration,
          correlation_id: `inc-${minute}-${i}`,
          level: 'info',
          message: `${KEY} done`,
          host: 'web-1',
        });
      }
    }
    const result = h.store.ingestDocuments(documents);
    expect(result.rejected).toBe(0);
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  async function withPage(view: View, path: string, run: (page: Page, sent: string[]) => Promise<void>) {
    const browser = await launchBrowser(view);
    try {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      const sent: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (request.method() !== 'GET' && !path.endsWith('/preview')) sent.push(`${request.method()} ${path}`);
      });
      await page.goto(`${h.url}/#/${path}`);
      await run(page, sent);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }

  async function screenshot(page: Page, name: string, docsName?: string, fullPage = false) {
    await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage });
    if (docsName && process.env.LAGWATCH_UPDATE_SCREENSHOTS === '1') {
      await page.screenshot({ path: join(DOCS_SCREENSHOTS, docsName), fullPage });
    }
  }

  const noSideways = async (page: Page, view: View) =>
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(view.width);

  describe.each([DESKTOP, PHONE])('at $name width', (view) => {
    const ruleName = `checkout p95 ${view.name}`;

    it('creates a latency rule through the form, showing what it would see before saving', async () => {
      await withPage(view, 'rules', async (page, sent) => {
        await page.getByRole('button', { name: 'New latency rule' }).click();
        const dialog = page.getByRole('dialog', { name: 'New latency rule' });
        await dialog.waitFor();

        // Checked before sending, in words.
        await dialog.getByRole('button', { name: 'Create rule' }).click();
        await eventually(() => dialog.locator('.field-error').allTextContents()).toEqual(
          expect.arrayContaining(['Enter a rule name', 'Enter an app name', 'Enter a threshold in milliseconds']),
        );
        expect(sent).toEqual([]);

        const preview = dialog.getByTestId('rule-preview');
        await dialog.getByLabel('Rule name').fill(ruleName);
        await dialog.getByLabel('App name').fill(APP);
        await dialog.getByLabel('Message key (optional)').fill(KEY);
        const answered = page.waitForResponse(
          (r) => r.url().endsWith('/rules/latency/preview') && r.request().method() === 'POST',
        );
        await dialog.getByLabel('Threshold (ms)').fill('800');
        // The preview's answer, in words, before saving: the seeded slow minutes are over 800 ms.
        const answer = (await (await answered).json()).data;
        const inWindow = logs
          .filter((l) => l.time >= Date.parse(answer.window_from) && l.time < Date.parse(answer.window_to))
          .map((l) => l.duration);
        expect(answer.series[0].samples).toBe(inWindow.length);
        expect(Math.abs(answer.series[0].value - percentile(inWindow, 95))).toBeLessThanOrEqual(
          percentile(inWindow, 95) * 0.01,
        );
        expect(answer.would_fire).toBe(true);
        const seconds = (answer.series[0].value / 1000).toFixed(2);
        await eventually(() => preview.getByTestId('rule-preview-headline').textContent()).toBe(
          `Now: p95 over the last 5 min: ${seconds} s from ${inWindow.length.toLocaleString('en-US')} logs; would fire`,
        );
        if (view.name === 'desktop') await screenshot(page, 'latency-rule-form-desktop', 'latency-rule-form.png');

        // Typing again asks again: a higher threshold would not fire.
        await dialog.getByLabel('Threshold (ms)').fill('5000');
        await eventually(() => preview.getByTestId('rule-preview-headline').textContent()).toMatch(/; would not fire$/);
        await dialog.getByLabel('Threshold (ms)').fill('800');
        await eventually(() => preview.getByTestId('rule-preview-headline').textContent()).toMatch(/; would fire$/);
        // The preview and the buttons are in view at once.
        for (const element of [preview, dialog.getByRole('button', { name: 'Create rule' })]) {
          const box = (await element.boundingBox())!;
          expect(box.y + box.height).toBeLessThanOrEqual(view.height);
        }
        expect(sent).toEqual([]); // a preview saves nothing

        await dialog.getByRole('button', { name: 'Create rule' }).click();
        await dialog.waitFor({ state: 'detached' });
        expect(sent).toEqual(['POST /rules/latency']);
        sent.length = 0;
        const table = page.getByRole('table', { name: 'Latency rules' });
        await eventually(() => table.getByText(ruleName, { exact: true }).count()).toBe(1);
        await expect(
          table.locator('tr', { hasText: ruleName }).getByText('p95 over 5 min > 800 ms').count(),
        ).resolves.toBe(1);
        await noSideways(page, view);

        // Editing: a resolve threshold set, then cleared again (the update sends null for it).
        const rule = async () =>
          (await h.api('GET', '/rules/latency?per_page=500')).body.data.items.find(
            (r: { name: string }) => r.name === ruleName,
          );
        for (const [typed, stored] of [
          ['700', 700],
          ['', null],
        ] as const) {
          await page.getByRole('button', { name: `Edit ${ruleName}` }).click();
          const edit = page.getByRole('dialog', { name: 'Edit latency rule' });
          expect(await edit.getByLabel('Threshold (ms)').inputValue()).toBe('800');
          await edit.getByLabel('Resolve at (ms, optional)').fill(typed);
          await edit.getByRole('button', { name: 'Save rule' }).click();
          await edit.waitFor({ state: 'detached' });
          await eventually(async () => (await rule()).resolve_threshold).toBe(stored);
        }
        expect(sent).toEqual([`PUT /rules/latency/${(await rule()).id}`, `PUT /rules/latency/${(await rule()).id}`]);
      });
      const listed = (await h.api('GET', `/rules/latency?per_page=500`)).body.data.items;
      expect(listed.find((r: { name: string }) => r.name === ruleName)).toMatchObject({
        app_name: APP,
        message_key: KEY,
        statistic: 'p95',
        window_minutes: 5,
        threshold: 800,
        baseline: null,
        min_samples: 20,
        pending_minutes: 0,
      });
    });

    it('creates an absence rule through the form, its preview saying whether the app is silent', async () => {
      const name = `payments silent ${view.name}`;
      await withPage(view, 'rules', async (page, sent) => {
        await page.getByRole('button', { name: 'New absence rule' }).click();
        const dialog = page.getByRole('dialog', { name: 'New absence rule' });
        await dialog.getByLabel('Silent for (minutes)').fill('0');
        await dialog.getByRole('button', { name: 'Create rule' }).click();
        await eventually(() => dialog.locator('.field-error').allTextContents()).toEqual(
          expect.arrayContaining(['Enter a rule name', 'Enter an app name', 'Enter at least 1 minute']),
        );
        const headline = dialog.getByTestId('rule-preview-headline');
        await dialog.getByLabel('Silent for (minutes)').fill('10');
        await dialog.getByLabel('App name').fill(APP);
        const answered = page.waitForResponse((r) => r.url().endsWith('/rules/absence/preview'));
        const answer = (await (await answered).json()).data;
        const inWindow = logs.filter(
          (l) => l.time >= Date.parse(answer.window_from) && l.time < Date.parse(answer.window_to),
        ).length;
        expect(inWindow).toBeGreaterThan(0);
        await eventually(() => headline.textContent()).toBe(
          `Now: ${inWindow.toLocaleString('en-US')} logs in the last 10 min; would not fire`,
        );
        await dialog.getByLabel('Rule name').fill(name);
        await dialog.getByLabel('App name').fill('payments');
        await eventually(() => headline.textContent()).toBe('Now: No log in the last 10 min; would fire');
        expect(sent).toEqual([]);
        await dialog.getByRole('button', { name: 'Create rule' }).click();
        await dialog.waitFor({ state: 'detached' });
        expect(sent).toEqual(['POST /rules/absence']);
        const row = page.getByRole('table', { name: 'Absence rules' }).locator('tr', { hasText: name });
        await eventually(() => row.getByText('no log in the last 10 min').count()).toBe(1);
        await noSideways(page, view);
      });
      const listed = (await h.api('GET', '/rules/absence?per_page=500')).body.data.items;
      expect(listed.find((r: { name: string }) => r.name === name)).toMatchObject({
        app_name: 'payments',
        message_key: null,
        silent_minutes: 10,
        notify_resolved: true,
        cooldown_minutes: 0,
      });
    });

    it("lists the rule's incident, draws its chart against the threshold, and its notification's link opens it", async () => {
      // The real scanner evaluates the rule: its slow minutes fire it at once (pending 0).
      const services = await createScanServices(h.ctx);
      try {
        await services.scanner.run();
      } finally {
        await services.close();
      }
      const rule = (await h.api('GET', '/rules/latency?per_page=500')).body.data.items.find(
        (r: { name: string }) => r.name === ruleName,
      );
      const incidents = (await h.api('GET', `/incidents?rule_type=latency&rule_id=${rule.id}`)).body.data.items;
      expect(incidents).toHaveLength(1);
      const incident = incidents[0];
      expect(incident).toMatchObject({ state: 'firing', name: ruleName, threshold: 800, unit: 'ms' });
      const alert = (await h.api('GET', '/alerts?per_page=500')).body.data.items.find(
        (a: { rule_type: string; rule_id: number }) => a.rule_type === 'latency' && a.rule_id === rule.id,
      );
      const link = new URL(alert.dashboard_url).hash;
      expect(link).toMatch(new RegExp(`^#/incidents\\?id=${incident.id}&rule=latency(:|%3A)${rule.id}&from=`));

      // Listed with the firing ones first, newest first.
      await withPage(view, 'incidents', async (page) => {
        const table = page.getByRole('table', { name: 'Incidents' });
        const row = table.locator(`tr[data-incident-id="${incident.id}"]`);
        await row.waitFor();
        expect(await table.locator('tbody').first().locator('.group-row').textContent()).toMatch(/^Firing now/);
        expect(await row.locator('.badge:visible', { hasText: 'firing' }).count()).toBe(1);
        expect(await row.textContent()).toContain(ruleName);
        await noSideways(page, view);
        // Opening it from the list shows its chart.
        await row.getByRole('link').first().click();
        await page.getByTestId('incident-chart').waitFor();
        expect(page.url()).toContain(`id=${incident.id}`);
      });

      // A silence of its key since before it started, ended since.
      const silence = await h.api('POST', '/silences', {
        app_name: APP,
        message_key: KEY,
        starts_at: new Date(Date.parse(incident.started_at) - 10 * MINUTE).toISOString(),
        duration_minutes: 120,
      });
      expect(silence.status).toBe(201);
      await h.api('DELETE', `/silences/${silence.body.data.id}`);

      // The notification's link opens exactly that incident, its chart drawn.
      await withPage(view, link.slice(2), async (page) => {
        const detail = page.getByTestId('incident-detail');
        await eventually(() => detail.getByRole('heading', { level: 2 }).first().textContent()).toBe(
          `Incident #${incident.id} · ${ruleName}`,
        );
        await detail.getByTestId('incident-chart').waitFor();
        await eventually(() =>
          page.evaluate(() => {
            const element = document.querySelector('[data-testid="incident-chart"] .chart') as Plotted | null;
            return element?.uplot?.data[0]?.length ?? 0;
          }),
        ).toBeGreaterThan(10);
        const data = await page.evaluate(
          () => (document.querySelector('[data-testid="incident-chart"] .chart') as Plotted).uplot!.data,
        );
        const [times, values, threshold] = data as [number[], (number | null)[], (number | null)[]];
        // The hour before the incident and the incident: fast (under 800 ms) first, then slow.
        expect(times[0]! * 1000).toBeLessThanOrEqual(Date.parse(incident.started_at) - 50 * MINUTE);
        expect(values.find((v) => v !== null)!).toBeLessThan(800);
        expect(values.filter((v) => v !== null).at(-1)!).toBeGreaterThan(800);
        expect(new Set(threshold)).toEqual(new Set([800]));
        // The silence (and the other width's) is a band on the chart's time axis.
        await eventually(async () =>
          Number(await detail.locator('[data-events]').first().getAttribute('data-events')),
        ).toBeGreaterThanOrEqual(1);
        const summary = await detail.locator('.chart').getAttribute('aria-label');
        expect(summary).toMatch(/threshold 800 ms; the incident started .* and is firing$/);
        // The list below marks it and is filtered by its rule.
        await eventually(() => page.getByTestId('rule-filter').textContent()).toContain(`latency #${rule.id}`);
        await eventually(() => page.locator(`tr[data-incident-id="${incident.id}"]`).getAttribute('aria-current')).toBe(
          'true',
        );
        await noSideways(page, view);
        await screenshot(
          page,
          `incident-${view.name}`,
          view.name === 'desktop' ? 'incident.png' : undefined,
          view.name === 'phone',
        );
      });
    });
  });
});
