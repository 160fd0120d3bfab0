import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
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

if (chromiumMissing) console.warn(`[web/trace] SKIPPED: ${chromiumMissing}`);

/** The browser's, inside `evaluate` (the tests compile without the DOM library). */
declare const getComputedStyle: (element: unknown) => { backgroundColor: string };

const TRACE = 'req-7f3a9c4e-checkout';
const LONG_KEY = 'orders.service.v2.repository.fetchOrderWithLineItemsAndCustomerProfileAndShippingQuotes';

interface Doc {
  at: number;
  app: string;
  key: string;
  duration?: number;
  id: string;
}

/**
 * The trace under test, offsets in ms from its first log. The gateway rule (500 ms) and the
 * db.query message rule (600 ms) are broken by the first and the third log; its span is 900 ms,
 * so the axis runs to 1,000 ms in steps of 200 ms.
 */
const TRACE_LOGS: Omit<Doc, 'id'>[] = [
  { at: 0, app: 'gateway', key: 'http.in', duration: 900 },
  { at: 40, app: 'api', key: LONG_KEY, duration: 120 },
  { at: 100, app: 'api', key: 'db.query', duration: 700 },
  { at: 820, app: 'api', key: 'cache.put' },
  { at: 850, app: 'worker', key: 'email.enqueue', duration: 30 },
];

function seedDocs(base: number): Doc[] {
  const docs: Doc[] = TRACE_LOGS.map((d) => ({ ...d, at: base + d.at, id: TRACE }));
  // Other traces for the slowest list: known worst durations, a few logs each.
  for (let t = 0; t < 30; t++) {
    const id = `req-${String(t).padStart(3, '0')}-${(t * 7919).toString(16)}`;
    for (let i = 0; i <= t % 3; i++) {
      docs.push({
        at: base - (t + 1) * 60_000 + i * 25,
        app: ['gateway', 'api', 'worker'][(t + i) % 3]!,
        key: `step.${i}`,
        duration: ((t * 37) % 23) * 35 + i,
        id,
      });
    }
  }
  return docs;
}

function expectedSlowest(docs: Doc[], limit: number) {
  const worst = new Map<string, Doc>();
  for (const d of docs) {
    const seen = worst.get(d.id);
    if (d.duration !== undefined && (!seen || d.duration > seen.duration!)) worst.set(d.id, d);
  }
  return [...worst.values()]
    .sort((a, b) => b.duration! - a.duration! || (a.id < b.id ? -1 : 1))
    .slice(0, limit)
    .map((d) => d.id);
}

const VIEWS = [
  { name: 'desktop-light', width: 1360, height: 900, colorScheme: 'light' },
  { name: 'desktop-dark', width: 1360, height: 900, colorScheme: 'dark' },
  { name: 'phone-light', width: 390, height: 844, colorScheme: 'light' },
  { name: 'phone-dark', width: 390, height: 844, colorScheme: 'dark' },
] as const;

describe.skipIf(chromiumMissing)('trace page in Chromium against a real server', () => {
  let webRoot: string;
  let h: WebHarness;
  let docs: Doc[];

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-trace-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    const now = Date.now();
    docs = seedDocs(now - 10 * 60_000);
    const result = h.store.ingestDocuments(
      docs.map((d) => ({
        '@timestamp': new Date(d.at).toISOString(),
        app_name: d.app,
        message_key: d.key,
        correlation_id: d.id,
        level: 'info',
        ...(d.duration === undefined ? {} : { duration: d.duration }),
      })),
    );
    expect(result.rejected).toBe(0);
    await h.ctx.appRules.create(
      {
        app_name: 'gateway',
        max_duration: 500,
        is_active: true,
        alert_channels: ['webhook'],
        cooldown_minutes: 5,
      },
      'test',
    );
    await h.ctx.messageRules.create(
      {
        app_name: 'api',
        message_key: 'db.query',
        max_duration: 600,
        is_active: true,
        alert_channels: ['webhook'],
        cooldown_minutes: 5,
      },
      'test',
    );
    // The real scanner records the violations the page marks.
    const services = await createScanServices(h.ctx);
    try {
      await services.scanner.run({ range: { from: now - 3_600_000, to: now } });
    } finally {
      await services.close();
    }
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  async function withView<T>(view: (typeof VIEWS)[number], use: (page: Page) => Promise<T>): Promise<T> {
    const browser = await launchBrowser(view);
    try {
      const page = await (browser.context as BrowserContext).newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      const result = await use(page);
      expect(problems).toEqual([]);
      return result;
    } finally {
      await browser.close();
    }
  }

  const box = async (locator: Locator) => {
    const found = await locator.boundingBox();
    if (!found) throw new Error('element not visible');
    return found;
  };
  const noSidewaysScroll = (page: Page) =>
    page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

  /** Visible tick labels left to right, none overlapping the next. */
  async function readableTicks(page: Page): Promise<string[]> {
    const ticks = page.getByTestId('trace-axis').locator('.waterfall-tick:visible');
    const labels: string[] = [];
    let right = Number.NEGATIVE_INFINITY;
    for (const tick of await ticks.all()) {
      const b = await box(tick);
      expect(b.x, `tick ${await tick.textContent()} overlaps the one before`).toBeGreaterThanOrEqual(right + 4);
      right = b.x + b.width;
      labels.push((await tick.textContent()) ?? '');
    }
    return labels;
  }

  it('lists the slowest traces of the range and opens one', async () => {
    const expected = expectedSlowest(docs, 20);
    expect(expected[0]).toBe(TRACE); // its 900 ms is the worst
    await withView(VIEWS[0], async (page) => {
      await page.goto(`${h.url}/#/trace`);
      const table = page.getByRole('table', { name: 'Slowest traces' });
      const rows = table.getByTestId('slowest-trace');
      await eventually(() => rows.count()).toBe(20);
      expect(await rows.locator('.trace-link').allTextContents()).toEqual(expected);
      const first = rows.first();
      expect(await first.locator('td').nth(2).textContent()).toBe('900 ms');
      expect(await first.locator('.slowest-app').textContent()).toBe('gateway');
      expect(await first.locator('td').nth(3).textContent()).toBe(String(TRACE_LOGS.length));
      expect(await page.getByRole('heading', { name: /Slowest traces · Last hour/ }).count()).toBe(1);

      // One app's logs only: the worker's slowest.
      await page.getByLabel('App').selectOption('worker');
      const workerIds = expectedSlowest(
        docs.filter((d) => d.app === 'worker'),
        20,
      );
      await eventually(() => rows.locator('.trace-link').allTextContents()).toEqual(workerIds);
      expect(workerIds).not.toEqual(expected);
      await page.getByLabel('App').selectOption('');
      await eventually(() => rows.locator('.trace-link').allTextContents()).toEqual(expected);

      await first.locator('.trace-link').click();
      await eventually(() => new URL(page.url()).hash).toBe(`#/trace/${TRACE}`);
      await eventually(() => page.getByTestId('trace-log').count()).toBe(TRACE_LOGS.length);
    });
  });

  it('draws a time axis, bars from start to end, and the violations with their thresholds', async () => {
    await withView(VIEWS[0], async (page) => {
      await page.goto(`${h.url}/#/trace/${TRACE}`);
      const rows = page.getByTestId('trace-log');
      await eventually(() => rows.count()).toBe(TRACE_LOGS.length);
      expect(await readableTicks(page)).toEqual(['+0 ms', '+200 ms', '+400 ms', '+600 ms', '+800 ms', '+1,000 ms']);

      // Bars: start at the log's offset, as long as its duration, on a 1,000 ms axis.
      const track = await box(rows.nth(2).locator('.waterfall-track'));
      const bar = await box(rows.nth(2).locator('.waterfall-bar'));
      expect(Math.abs(bar.x - (track.x + track.width * 0.1))).toBeLessThanOrEqual(2);
      expect(Math.abs(bar.width - track.width * 0.7)).toBeLessThanOrEqual(2);
      // The axis' +600 ms tick stands where 600 ms lies on every track.
      const tick = await box(page.getByTestId('trace-axis').locator('.waterfall-tick', { hasText: '+600 ms' }));
      expect(Math.abs(tick.x + tick.width / 2 - (track.x + track.width * 0.6))).toBeLessThanOrEqual(2);

      // The two violating logs: marked, labelled with their rule, threshold drawn on the bar.
      const violating = page.locator('[data-testid="trace-log"][data-violation="true"]');
      expect(await violating.count()).toBe(2);
      expect(await violating.getByTestId('trace-violation').allTextContents()).toEqual([
        expect.stringMatching(/^over 500 ms rule \(app rule #\d+, 400 ms over\)$/),
        expect.stringMatching(/^over 600 ms rule \(message rule #\d+, 100 ms over\)$/),
      ]);
      for (const [row, thresholdAt] of [
        [0, 0.5],
        [2, 0.7],
      ] as const) {
        const t = await box(rows.nth(row).locator('.waterfall-track'));
        const mark = await box(rows.nth(row).getByTestId('trace-threshold'));
        expect(Math.abs(mark.x + mark.width / 2 - (t.x + t.width * thresholdAt))).toBeLessThanOrEqual(2);
      }
      const barColour = (row: number) =>
        rows
          .nth(row)
          .locator('.waterfall-bar')
          .evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(await barColour(0)).toBe('rgb(198, 40, 40)'); // --bad in the light theme
      expect(await barColour(1)).not.toBe('rgb(198, 40, 40)');
      expect(await rows.nth(1).getByTestId('trace-threshold').count()).toBe(0);
      expect(await rows.nth(0).locator('.waterfall-track').getAttribute('aria-label')).toMatch(
        /^900 ms from \+0 ms to \+900 ms, over the 500 ms threshold of app rule #\d+$/,
      );
      expect(await page.getByRole('heading', { name: /5 logs · 900 ms · 3 apps · 2 violations/ }).count()).toBe(1);
    });
  });

  it('cuts a long message key in the row and shows all of it on hover and keyboard focus', async () => {
    await withView(VIEWS[0], async (page) => {
      await page.goto(`${h.url}/#/trace/${TRACE}`);
      const key = page.getByTestId('trace-log').nth(1).locator('.waterfall-key');
      await key.waitFor();
      expect(await key.getAttribute('title')).toBe(LONG_KEY);
      const isCut = () =>
        key.evaluate((el) => {
          const box = el as unknown as { scrollWidth: number; clientWidth: number };
          return box.scrollWidth > box.clientWidth;
        });
      expect(await isCut()).toBe(true);
      // Short keys are not cut, so they are no tab stops.
      expect(await page.getByTestId('trace-log').nth(0).locator('.waterfall-key').getAttribute('tabindex')).toBeNull();

      let focused = '';
      for (let i = 0; i < 40 && focused !== LONG_KEY; i++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate<string>('document.activeElement?.textContent ?? ""');
      }
      expect(focused).toBe(LONG_KEY);
      expect(await isCut()).toBe(false);
      const keyBox = await box(key);
      const rowBox = await box(page.getByTestId('trace-log').nth(1));
      expect(keyBox.x + keyBox.width).toBeLessThanOrEqual(rowBox.x + rowBox.width);
      await page.screenshot({ path: join(RESULTS_DIR, 'trace-key-focused.png') });
      await page.keyboard.press('Tab');
      await eventually(isCut).toBe(true);
    });
  });

  for (const view of VIEWS) {
    it(`fits ${view.width} px in the ${view.colorScheme} theme: waterfall and slowest list`, async () => {
      await withView(view, async (page) => {
        await page.goto(`${h.url}/#/trace/${TRACE}`);
        const rows = page.getByTestId('trace-log');
        await eventually(() => rows.count()).toBe(TRACE_LOGS.length);
        expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(0);
        const ticks = await readableTicks(page);
        expect(ticks[0]).toBe('+0 ms');
        expect(ticks.at(-1)).toBe('+1,000 ms');
        expect(ticks.length).toBeGreaterThanOrEqual(view.width < 640 ? 3 : 6);
        // Every track lies exactly under the axis, violating rows too.
        const axis = await box(page.getByTestId('trace-axis'));
        for (const row of await rows.all()) {
          const track = await box(row.locator('.waterfall-track'));
          expect(Math.abs(track.x - axis.x)).toBeLessThanOrEqual(1);
          expect(Math.abs(track.width - axis.width)).toBeLessThanOrEqual(1);
          expect(track.x).toBeGreaterThanOrEqual(0);
          expect(track.x + track.width).toBeLessThanOrEqual(view.width);
          expect(track.width).toBeGreaterThan(view.width < 640 ? 250 : 500);
        }
        expect(await page.getByTestId('trace-violation').count()).toBe(2);
        const background = await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
        expect(background).toBe(view.colorScheme === 'dark' ? 'rgb(14, 17, 23)' : 'rgb(246, 247, 249)');
        await page.screenshot({ path: join(RESULTS_DIR, `trace-${view.name}.png`), fullPage: true });

        await page.goto(`${h.url}/#/trace`);
        const list = page.getByTestId('slowest-trace');
        await eventually(() => list.count()).toBe(20);
        expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(0);
        // The id, the slowest log and its duration stay visible at any width.
        for (const cell of [list.first().locator('.trace-link'), list.first().locator('.col-worst')]) {
          const b = await box(cell);
          expect(b.x + b.width).toBeLessThanOrEqual(view.width);
        }
        expect(await list.first().locator('.col-worst').textContent()).toBe('900 ms');
        await page.screenshot({ path: join(RESULTS_DIR, `trace-list-${view.name}.png`), fullPage: true });
      });
    });
  }
});
