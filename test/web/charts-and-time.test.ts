import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  buildDashboard,
  CHROMIUM,
  chromiumMissing,
  eventually,
  launchBrowser,
  RESULTS_DIR,
  startWebHarness,
  type WebHarness,
} from './harness.js';
import { type SeededData, seedDemoData } from './seed.js';

if (chromiumMissing) console.warn(`[web/charts-and-time] SKIPPED: ${chromiumMissing}`);

/** `LAGWATCH_UPDATE_SCREENSHOTS=1` also writes the README's screenshots (docs/screenshots/). */
const SCREENSHOTS_DIR = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const updateScreenshots = process.env.LAGWATCH_UPDATE_SCREENSHOTS === '1';

const LOG_COUNT = 2500;
const HOUR = 3_600_000;
const integer = (n: number) => new Intl.NumberFormat('en-US').format(n);

/** What a chart's uPlot instance says about itself (read in the page). */
interface ChartState {
  axisLabels: string[];
  /** Tick labels per y axis, as drawn. */
  yTicks: string[][];
  xTicks: string[];
  series: { label: string; values: (number | null)[] }[];
  cursorLeft: number;
  /** The time under the cursor, epoch s. */
  cursorTime: number | null;
  cursorIdx: number | null;
  /** Seconds per CSS pixel along the time axis. */
  secondsPerPx: number;
}

async function charts(page: Page): Promise<ChartState[]> {
  return page.$$eval('.chart', (elements) =>
    elements.map((element) => {
      // biome-ignore lint/suspicious/noExplicitAny: uPlot's internals as the page holds them
      const u = (element as any).uplot;
      if (!u) return undefined as unknown as ChartState;
      // biome-ignore lint/suspicious/noExplicitAny: see above
      const axes = u.axes as any[];
      return {
        axisLabels: axes.map((a) => a.label ?? ''),
        yTicks: axes.slice(1).map((a) => (a._values ?? []).map(String)),
        xTicks: (axes[0]._values ?? []).map(String),
        // biome-ignore lint/suspicious/noExplicitAny: see above
        series: u.series.slice(1).map((s: any, i: number) => ({ label: s.label, values: u.data[i + 1] })),
        cursorLeft: u.cursor.left,
        cursorTime: u.cursor.left >= 0 ? u.posToVal(u.cursor.left, 'x') : null,
        cursorIdx: u.cursor.idx ?? null,
        secondsPerPx: (u.posToVal(100, 'x') - u.posToVal(0, 'x')) / 100,
      };
    }),
  );
}

/** As the harness's launchBrowser, in another time zone than UTC. */
async function launchInZone(
  view: { width: number; height: number; colorScheme: 'light' | 'dark' },
  timezoneId: string,
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'lagwatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: view.width, height: view.height },
    locale: 'en-US',
    timezoneId,
    colorScheme: view.colorScheme,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const VIEWS = [
  { name: 'desktop, light', width: 1360, height: 900, colorScheme: 'light' as const },
  { name: 'desktop, dark', width: 1360, height: 900, colorScheme: 'dark' as const },
  { name: 'phone, light', width: 390, height: 844, colorScheme: 'light' as const },
  { name: 'phone, dark', width: 390, height: 844, colorScheme: 'dark' as const },
];

describe.skipIf(chromiumMissing)('readable charts and time zones in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let seeded: SeededData;
  /** A quiet hour 3 hours back: logs, but not one violation. */
  let quiet: { from: string; to: string; logs: number };

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-charts-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    const now = Date.now();
    // 40 minutes, not the whole hour: `range=1h` must still hold every log when the file runs
    // for many minutes on a loaded machine.
    seeded = await seedDemoData(h.ctx, h.store, { now, count: LOG_COUNT, spanMs: 40 * 60_000, seed: 23 });
    const quietStart = Math.floor((now - 4 * HOUR) / HOUR) * HOUR;
    const quietLogs = Array.from({ length: 240 }, (_, i) => ({
      '@timestamp': new Date(quietStart + i * 15_000).toISOString(),
      app_name: 'checkout-api',
      message_key: 'GET /health',
      duration: 5 + (i % 7),
      level: 'info',
      message: 'ok',
    }));
    expect(h.store.ingestDocuments(quietLogs).rejected).toBe(0);
    quiet = { from: new Date(quietStart).toISOString(), to: new Date(quietStart + HOUR).toISOString(), logs: 240 };
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  async function openIn(context: BrowserContext, path: string): Promise<Page> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    (page as Page & { problems?: string[] }).problems = problems;
    await page.goto(`${h.url}/${path}`);
    return page;
  }
  const pageErrors = (page: Page) => (page as Page & { problems?: string[] }).problems ?? [];
  const hashOf = (page: Page) => decodeURIComponent(new URL(page.url()).hash);

  describe.each(VIEWS)('$name', (view) => {
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    beforeAll(async () => {
      browser = await launchBrowser(view);
    });
    afterAll(async () => browser?.close());

    it('labels both y axes with units, states the bucket size, formats every tick one way, marks partial buckets', async () => {
      const page = await openIn(browser.context, '#/?range=1h');
      await eventually(() => page.getByTestId('stat-total-logs').textContent()).toBe(integer(LOG_COUNT));
      await eventually(async () => (await charts(page)).filter(Boolean).length).toBe(2);
      await expect(page.getByTestId('bucket-size').textContent()).resolves.toBe('1-minute buckets');
      expect(await page.locator('.chart-title').allTextContents()).toEqual([
        'Logs and violations per 1 min',
        'Duration per 1 min: average and p95',
      ]);
      const [volume, duration] = await charts(page);
      expect(volume!.axisLabels.slice(1)).toEqual(['logs / 1 min · left axis', 'violations / 1 min · right axis']);
      expect(duration!.axisLabels.slice(1)).toEqual([expect.stringMatching(/^duration \((ms|s)\)$/)]);
      expect(volume!.axisLabels[0]).toBe('time (UTC)');

      const ticks = [...volume!.yTicks, ...duration!.yTicks].flat();
      expect(ticks.length).toBeGreaterThan(6);
      for (const tick of ticks) expect(tick).toMatch(/^\d+(\.\d{1,2})?[KM]?$/); // never "50,000" beside "100K"
      const counts = [...volume!.yTicks.flat()].map((t) => Number(t.replace(/K$/, 'e3').replace(/M$/, 'e6')));
      for (const n of counts) expect(Number.isInteger(n), String(n)).toBe(true);

      // A "last hour" starts and ends inside a minute: both edge buckets are partial.
      await expect(page.getByTestId('partial-note').first().textContent()).resolves.toContain('partial bucket');
      expect(pageErrors(page)).toEqual([]);
      await page.close();
    });

    it('shows one "0" on the violations axis of a range without violations', async () => {
      const page = await openIn(browser.context, `#/?from=${quiet.from}&to=${quiet.to}`);
      await eventually(() => page.getByTestId('stat-total-logs').textContent()).toBe(integer(quiet.logs));
      await eventually(async () => (await charts(page)).filter(Boolean).length).toBe(2);
      const [volume] = await charts(page);
      expect(volume!.series.find((s) => s.label.startsWith('Violations'))!.values.every((v) => v === 0)).toBe(true);
      expect(volume!.yTicks[1]).toEqual(['0']);
      expect(volume!.yTicks[0]!.length).toBeGreaterThan(1); // logs: a real axis
      // A range on whole hours has no partial bucket.
      expect(await page.getByTestId('partial-note').count()).toBe(0);
      await page.close();
    });

    it('applies the App choice to cards, levels and charts, from the URL; no app threshold over keys it does not judge', async () => {
      const page = await openIn(browser.context, '#/?range=1h');
      await eventually(() => page.getByTestId('stat-total-logs').textContent()).toBe(integer(LOG_COUNT));
      await page.locator('.overview-toolbar select').selectOption('checkout-api');
      await eventually(() => hashOf(page)).toContain('app=checkout-api');

      const appLogs = seeded.logs.filter((l) => l.app_name === 'checkout-api').length;
      const appViolations = seeded.violations.filter((v) => v.app === 'checkout-api').length;
      expect(appLogs).toBeLessThan(LOG_COUNT);
      await eventually(() => page.getByTestId('stat-total-logs').textContent()).toBe(integer(appLogs));
      expect(await page.getByTestId('stat-violations').textContent()).toBe(integer(appViolations));
      expect(await page.getByTestId('stat-active-apps').textContent()).toBe('1');
      await expect(page.getByRole('heading', { name: 'Levels and averages · checkout-api' }).count()).resolves.toBe(1);
      const levelCounts = await page.locator('ul[aria-label="Log levels"] .bar-value').allTextContents();
      expect(levelCounts.map((t) => Number(t.replace(/,/g, ''))).reduce((a, b) => a + b, 0)).toBe(appLogs);

      // The demo's checkout-api has a message rule on one key: its app rule (250 ms) does not judge
      // every log the chart shows, so no line, and a note says why (charts-and-drilldown tests the line).
      await eventually(() => page.getByTestId('threshold-omitted').textContent()).toContain('250 ms');
      expect(await page.getByTestId('threshold-note').count()).toBe(0);
      expect((await charts(page))[1]!.series.map((s) => s.label)).toEqual(['Average', 'p95']);
      const [volume] = await charts(page);
      const charted = volume!.series
        .find((s) => s.label.startsWith('Logs'))!
        .values.reduce<number>((a, v) => a + (v ?? 0), 0);
      expect(charted).toBe(appLogs);

      // The URL carries the choice: a reload shows the same app.
      await page.reload();
      await eventually(() => page.getByTestId('stat-total-logs').textContent()).toBe(integer(appLogs));
      expect(await page.locator('.overview-toolbar select').inputValue()).toBe('checkout-api');
      expect(pageErrors(page)).toEqual([]);
      await page.close();
    });

    it('shares the crosshair between the charts', async () => {
      const page = await openIn(browser.context, '#/?range=1h');
      await eventually(async () => (await charts(page)).filter(Boolean).length).toBe(2);
      const over = page.locator('.chart .u-over').first();
      await over.scrollIntoViewIfNeeded();
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
      await eventually(async () => (await charts(page))[1]!.cursorIdx).not.toBeNull();
      const [volume, duration] = await charts(page);
      expect(volume!.cursorLeft).toBeGreaterThan(0);
      expect(duration!.cursorIdx).toBe(volume!.cursorIdx);
      // The plots differ in width (one has a right-hand axis): the same time, not the same pixel.
      expect(Math.abs(duration!.cursorTime! - volume!.cursorTime!)).toBeLessThanOrEqual(2 * volume!.secondsPerPx);
      await page.close();
    });

    /** Drags from 30% to 70% of the n-th chart; answers the window the chart says lies under those points. */
    async function dragAcross(page: Page, n: number): Promise<{ from: number; to: number; tolerance: number }> {
      const over = page.locator('.chart .u-over').nth(n);
      await over.scrollIntoViewIfNeeded();
      const box = (await over.boundingBox())!;
      const [x1, x2] = [box.width * 0.3, box.width * 0.7];
      const expected = await page.$$eval(
        '.chart',
        (elements, [i, a, b]) => {
          type Plotted = { uplot: { posToVal(px: number, scale: string): number } };
          const u = (elements[i!] as unknown as Plotted).uplot;
          return [u.posToVal(a!, 'x'), u.posToVal(b!, 'x')];
        },
        [n, x1, x2],
      );
      const tolerance = 2_000 * (await charts(page))[n]!.secondsPerPx; // two pixels
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + x1 - 20, y);
      await page.mouse.move(box.x + x1, y, { steps: 2 });
      await page.mouse.down();
      await page.mouse.move(box.x + (x1 + x2) / 2, y, { steps: 4 });
      await page.mouse.move(box.x + x2, y, { steps: 4 });
      await page.mouse.up();
      return { from: expected[0]! * 1000, to: expected[1]! * 1000, tolerance };
    }

    it('zooms the time range to the window dragged across a chart; Back returns', async () => {
      const page = await openIn(browser.context, '#/?range=1h');
      await eventually(async () => (await charts(page)).filter(Boolean).length).toBe(2);
      const expected = await dragAcross(page, 0);
      await eventually(() => hashOf(page)).toContain('from=');
      const query = new URLSearchParams(hashOf(page).split('?')[1]);
      const from = Date.parse(query.get('from')!);
      const to = Date.parse(query.get('to')!);
      expect(Math.abs(from - expected.from)).toBeLessThan(expected.tolerance);
      expect(Math.abs(to - expected.to)).toBeLessThan(expected.tolerance);
      expect(query.get('range')).toBeNull();
      // The heading names the zoomed window, with its zone.
      await eventually(() => page.locator('.page-head p.muted').textContent()).toMatch(/ – .* UTC$/);
      // The charts now cover the dragged window (24 minutes: 10-second buckets).
      await eventually(() => page.getByTestId('bucket-size').textContent()).toBe('10-second buckets');
      await eventually(async () => (await charts(page))[0]?.series[0]?.values.length).toBe(
        Math.floor(to / 10_000) - Math.floor(from / 10_000) + (to % 10_000 === 0 ? 0 : 1),
      );

      await page.goBack();
      await eventually(() => hashOf(page)).toBe('#/?range=1h');
      await eventually(() => page.getByTestId('bucket-size').textContent()).toBe('1-minute buckets');

      // The other chart (no right-hand axis, so a wider plot) zooms to its own window.
      await eventually(async () => (await charts(page))[1]?.series[0]?.values.length ?? 0).toBeGreaterThan(59);
      const second = await dragAcross(page, 1);
      await eventually(() => hashOf(page)).toContain('from=');
      const again = new URLSearchParams(hashOf(page).split('?')[1]);
      expect(Math.abs(Date.parse(again.get('from')!) - second.from)).toBeLessThan(second.tolerance);
      expect(Math.abs(Date.parse(again.get('to')!) - second.to)).toBeLessThan(second.tolerance);
      await page.goBack();
      await eventually(() => hashOf(page)).toBe('#/?range=1h');

      // Zoom out doubles the span (and never ends after now).
      await page.getByRole('button', { name: 'Zoom out: logs and violations' }).click();
      await eventually(() => hashOf(page)).toContain('from=');
      const wider = new URLSearchParams(hashOf(page).split('?')[1]);
      const span = Date.parse(wider.get('to')!) - Date.parse(wider.get('from')!);
      expect(Math.abs(span - 2 * HOUR)).toBeLessThan(5_000);
      expect(Date.parse(wider.get('to')!)).toBeLessThanOrEqual(Date.now());
      expect(pageErrors(page)).toEqual([]);
      await page.close();
    });

    it('says the zone of every time, and the UTC toggle switches all of them and is remembered', async () => {
      // The browser's zone: Berlin (UTC+1 in December, UTC+2 in summer).
      const berlin = await launchInZone(view, 'Europe/Berlin');
      onTestFinished(() => berlin.close());
      const page = await berlin.context.newPage();
      await page.goto(`${h.url}/#/violations?range=1h`);
      const zoneShown = await page.evaluate(() =>
        new Date().getTimezoneOffset() === -120 ? 'UTC+2' : new Date().getTimezoneOffset() === -60 ? 'UTC+1' : '?',
      );
      expect(zoneShown).not.toBe('?');
      const toggle = page.getByRole('button', { name: 'Show times in UTC' });
      await expect(toggle.isVisible()).resolves.toBe(true);
      const box = (await toggle.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(view.width);
      await eventually(() => page.getByTestId('time-zone').textContent()).toBe(zoneShown);

      const firstTime = page.locator('table tbody tr td.nowrap').first();
      // The cell may carry more after the time (a row's hidden "— details"): the zone follows the time.
      await eventually(() => firstTime.textContent()).toMatch(new RegExp(` ${zoneShown.replace('+', '\\+')}(?!\\d)`));
      const local = (await firstTime.textContent())!;

      await toggle.click();
      expect(await toggle.getAttribute('aria-pressed')).toBe('true');
      await eventually(() => page.getByTestId('time-zone').textContent()).toBe('UTC');
      await eventually(() => firstTime.textContent()).toMatch(/ UTC(?![+\d])/);
      const utc = (await firstTime.textContent())!;
      const hour = (text: string) => Number(/(\d{1,2}):\d{2}/.exec(text)![1]);
      const offset = zoneShown === 'UTC+2' ? 2 : 1;
      expect((hour(utc) + offset) % 12).toBe(hour(local) % 12);

      // Remembered: after a reload everything is still UTC, the charts' axes too.
      await page.reload();
      await eventually(() => page.getByTestId('time-zone').textContent()).toBe('UTC');
      expect(await page.evaluate<string | null>("localStorage.getItem('lagwatch.timezone')")).toBe('utc');
      await eventually(() => firstTime.textContent()).toMatch(/ UTC(?![+\d])/);
      await page.goto(`${h.url}/#/?range=1h`);
      await eventually(async () => (await charts(page)).filter(Boolean).length).toBe(2);
      const utcAxis = (await charts(page))[0]!;
      expect(utcAxis.axisLabels[0]).toBe('time (UTC)');
      await page.getByRole('button', { name: 'Show times in UTC' }).click();
      await eventually(async () => (await charts(page))[0]?.axisLabels[0]).toBe(`time (${zoneShown})`);
      const localAxis = (await charts(page))[0]!;
      expect(localAxis.xTicks).not.toEqual(utcAxis.xTicks); // the ticks moved by the offset
      await page.close();
    });

    it('fits the width and takes the screenshots', async () => {
      const page = await openIn(browser.context, '#/?range=1h');
      await eventually(() => page.getByTestId('stat-total-logs').textContent()).toBe(integer(LOG_COUNT));
      await page.locator('.overview-toolbar select').selectOption('checkout-api');
      await eventually(() => page.getByTestId('threshold-omitted').count()).toBe(1);
      await eventually(async () => (await charts(page)).filter(Boolean).length).toBe(2);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      const over = page.locator('.chart .u-over').nth(1);
      await over.scrollIntoViewIfNeeded();
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.62, box.y + box.height / 2);
      await page.evaluate('window.scrollTo(0, 0)');
      const name = `overview-${view.width < 600 ? 'phone' : 'desktop'}-${view.colorScheme}.png`;
      await page.screenshot({ path: join(RESULTS_DIR, name), fullPage: true });
      if (updateScreenshots && view.width > 600) {
        const file = view.colorScheme === 'dark' ? 'dashboard-dark.png' : 'dashboard.png';
        await page.screenshot({ path: join(SCREENSHOTS_DIR, file), fullPage: true });
      }
      expect(pageErrors(page)).toEqual([]);
      await page.close();
    });
  });
});
