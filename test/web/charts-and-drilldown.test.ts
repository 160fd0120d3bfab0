import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notification } from '../alerts/render/sample-notification.js';
import { insertAlertRows } from '../support/alert-log-rows.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  RESULTS_DIR,
  startWebHarness,
  type WebHarness,
} from './harness.js';

if (chromiumMissing) console.warn(`[web/charts-and-drilldown] SKIPPED: ${chromiumMissing}`);

const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LEVELS = ['error', 'warn', 'error', 'info', 'error'];

interface Seeded {
  from: number;
  to: number;
  violations: { logTime: number; key: string; level: string; rule: string }[];
  silenceAt: number;
  alertAt: number;
}

/**
 * Two apps over one whole past hour: `solo-app` with an app rule only (its threshold may be drawn
 * over its charts), `keyed-app` with an app rule and a message rule on one key (its app threshold
 * must not be). A silence and a sent alert of solo-app inside the hour.
 */
async function seed(h: WebHarness): Promise<Seeded> {
  const from = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  const to = from + HOUR;
  const rule = (app_name: string, max_duration: number) => ({
    app_name,
    max_duration,
    is_active: true,
    alert_channels: ['email'],
    cooldown_minutes: 5,
  });
  const solo = await h.ctx.appRules.create(rule('solo-app', 300), 'test');
  const keyedApp = await h.ctx.appRules.create(rule('keyed-app', 500), 'test');
  const keyed = await h.ctx.messageRules.create({ ...rule('keyed-app', 800), message_key: 'POST /pay' }, 'test');

  const logs = [];
  const rows = [];
  const violations: Seeded['violations'] = [];
  for (let i = 0; i < 240; i++) {
    const keyedLog = i % 3 === 0;
    const app = keyedLog ? 'keyed-app' : 'solo-app';
    const key = keyedLog ? (i % 2 === 0 ? 'POST /pay' : 'GET /cart') : i % 5 === 1 ? 'GET /b' : 'GET /a';
    const time = from + i * 15_000 + 1_234;
    // Uneven: more violations late in the hour, so the bars differ.
    const slow = i % 4 === 0 || (i > 160 && i % 2 === 0);
    const duration = slow ? 1_000 + i : 120;
    const level = LEVELS[i % LEVELS.length]!;
    logs.push({
      '@timestamp': new Date(time).toISOString(),
      app_name: app,
      message_key: key,
      duration,
      level,
      message: 'm',
    });
    const judge = keyedLog ? (key === 'POST /pay' ? keyed : keyedApp) : solo;
    if (duration <= judge.max_duration) continue;
    const ruleType = judge === keyed ? ('message' as const) : ('app' as const);
    violations.push({ logTime: time, key, level, rule: `${ruleType}:${judge.id}` });
    rows.push({
      dedupe_key: `drill-${i}`,
      source_id: `drill-${i}`,
      rule_type: ruleType,
      rule_id: judge.id,
      app_name: app,
      message_key: key,
      duration_ms: duration,
      threshold_ms: judge.max_duration,
      log_time: time,
      correlation_id: `c-${i}`,
      level,
      message: 'm',
      created_at: time + 5_000,
    });
  }
  expect(h.store.ingestDocuments(logs).rejected).toBe(0);
  await h.ctx.state.db.insertInto('violations').values(rows).execute();

  const silenceAt = from + 20 * MINUTE;
  await h.ctx.silences.create(
    {
      app_name: 'solo-app',
      message_key: null,
      starts_at: silenceAt,
      ends_at: silenceAt + 10 * MINUTE,
      comment: 'deploy',
      created_by: 'test',
    },
    'test',
  );
  const alertAt = from + 40 * MINUTE;
  await insertAlertRows(h.ctx.state.db, {
    sent: {
      rule_type: 'app',
      rule_id: solo.id,
      app_name: 'solo-app',
      message_key: null,
      channel: 'email',
      destination: 'oncall@example.com',
      target_id: null,
      status: 'sent',
      attempts: 1,
      next_attempt_at: alertAt,
      last_error: null,
      violation_count: 4,
      payload: JSON.stringify(notification({ app: 'solo-app', messageKey: null, ruleType: 'app', ruleId: solo.id })),
      created_at: alertAt,
      updated_at: alertAt,
      sent_at: alertAt,
    },
  });
  return { from, to, violations, silenceAt, alertAt };
}

const VIEWS = [
  { name: 'desktop', width: 1360, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];

interface ChartFacts {
  thresholds: string[];
  axes: { side: string; label: string }[];
  axisLabels: string[];
  series: { label: string; values: (number | null)[] }[];
}

/** What a `.chart` exposes: its data attributes and uPlot's axes and series. */
async function chartFacts(page: Page, selector: string): Promise<ChartFacts> {
  return page.$eval(selector, (element) => {
    // biome-ignore lint/suspicious/noExplicitAny: uPlot's internals as the page holds them
    const u = (element as any).uplot;
    return {
      thresholds: JSON.parse(element.getAttribute('data-thresholds') ?? '[]') as string[],
      axes: JSON.parse(element.getAttribute('data-axes') ?? '[]') as { side: string; label: string }[],
      // biome-ignore lint/suspicious/noExplicitAny: see above
      axisLabels: u ? (u.axes as any[]).map((a) => a.label ?? '') : [],
      // biome-ignore lint/suspicious/noExplicitAny: see above
      series: u ? u.series.slice(1).map((s: any, i: number) => ({ label: s.label, values: u.data[i + 1] })) : [],
    };
  });
}

/** The page pixel (relative to the plot) of a time on the chart `selector`. */
async function xOf(page: Page, selector: string, at: number): Promise<number> {
  return page.$eval(
    selector,
    // biome-ignore lint/suspicious/noExplicitAny: uPlot as the page holds it
    (element, t) => (element as any).uplot.valToPos(t / 1000, 'x') as number,
    at,
  );
}

const countShown = async (page: Page) =>
  Number(
    (await page.getByTestId('violation-count').textContent())?.match(/^([\d,]+) violation/)?.[1]?.replace(/,/g, ''),
  );
const hashOf = (page: Page) => decodeURIComponent(new URL(page.url()).hash);
const queryOf = (page: Page) => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');

describe.skipIf(chromiumMissing)('charts that cannot be misread, and drill-down, in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let data: Seeded;
  let range: string;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-drill-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    data = await seed(h);
    range = `from=${new Date(data.from).toISOString()}&to=${new Date(data.to).toISOString()}`;
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  const inWindow = (from: number, to: number, keep: (v: Seeded['violations'][number]) => boolean = () => true) =>
    data.violations.filter((v) => v.logTime >= from && v.logTime < to && keep(v)).length;

  describe.each(VIEWS)('$name', (view) => {
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    let page: Page;
    const errors: string[] = [];
    beforeAll(async () => {
      browser = await launchBrowser(view);
      page = await browser.context.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
    });
    afterAll(async () => {
      expect(errors).toEqual([]);
      await browser?.close();
    });

    it('draws a threshold only over the series its rule judges, says which axis is which, marks silences and alerts', async () => {
      await page.goto(`${h.url}/#/?${range}&app=solo-app`);
      const volume = '.charts > div:nth-child(1) .chart';
      const duration = '.charts > div:nth-child(2) .chart';
      await eventually(async () => (await chartFacts(page, duration)).thresholds).toEqual([
        'solo-app (app rule) ≤ 300 ms',
      ]);
      expect((await page.getByTestId('threshold-note').textContent())?.trim()).toBe('solo-app (app rule) ≤ 300 ms');
      const line = (await chartFacts(page, duration)).series.find((s) => s.label === 'Threshold');
      expect(line?.values.every((v) => v === 300)).toBe(true);

      const facts = await chartFacts(page, volume);
      expect(facts.thresholds).toEqual([]);
      expect(facts.axes).toEqual([
        { side: 'left', label: 'logs / 1 min' },
        { side: 'right', label: 'violations / 1 min' },
      ]);
      expect(facts.axisLabels.slice(1)).toEqual(['logs / 1 min · left axis', 'violations / 1 min · right axis']);
      expect(facts.series.map((s) => s.label)).toEqual(['Logs (left axis)', 'Violations (right axis)']);
      const note = page.getByTestId('axes-note');
      expect(await note.isVisible()).toBe(true);
      expect(await note.textContent()).toContain('right axis violations / 1 min on its own scale');

      // The silence is a band from its start to its end, the sent alert a line, on both charts.
      for (const chart of [volume, duration]) {
        const silence = page.locator(`${chart} .chart-event[data-kind="silence"]`);
        const alert = page.locator(`${chart} .chart-event[data-kind="alert"]`);
        await eventually(() => silence.count()).toBe(1);
        expect(await alert.count()).toBe(1);
        expect(await silence.getAttribute('title')).toMatch(/^Silence #\d+: solo-app \(whole app\), .* \(deploy\)$/);
        expect(await alert.getAttribute('title')).toMatch(/^Alert #\d+ sent .*: solo-app, 4 violations, by email$/);
        const left = await silence.evaluate((e) => (e as unknown as { offsetLeft: number }).offsetLeft);
        const width = await silence.evaluate((e) => (e as unknown as { offsetWidth: number }).offsetWidth);
        const start = await xOf(page, chart, data.silenceAt);
        const end = await xOf(page, chart, data.silenceAt + 10 * MINUTE);
        expect(Math.abs(left - start)).toBeLessThanOrEqual(2);
        expect(Math.abs(left + width - end)).toBeLessThanOrEqual(3);
        const alertLeft = await alert.evaluate((e) => (e as unknown as { offsetLeft: number }).offsetLeft);
        expect(Math.abs(alertLeft - (await xOf(page, chart, data.alertAt)))).toBeLessThanOrEqual(2);
      }
      expect(await page.getByTestId('events-legend').first().textContent()).toContain('alert sent');
      await page.screenshot({ path: join(RESULTS_DIR, `overview-marks-${view.name}.png`), fullPage: true });
      // Hovering the band: the plot's tooltip names the silence (the marks leave the mouse to the chart).
      const over = page.locator(`${volume} .u-over`);
      await over.scrollIntoViewIfNeeded();
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + (await xOf(page, volume, data.silenceAt + 5 * MINUTE)), box.y + box.height / 2);
      await eventually(() => over.getAttribute('title')).toMatch(/^Silence #\d+: solo-app/);
      await page.mouse.move(box.x + (await xOf(page, volume, data.alertAt)), box.y + box.height / 2);
      await eventually(() => over.getAttribute('title')).toMatch(/^Alert #\d+ sent/);

      // An app with a message rule on one key: its app threshold judges only part of what the chart shows.
      await page.goto(`${h.url}/#/?${range}&app=keyed-app`);
      await eventually(() => page.getByTestId('threshold-omitted').textContent()).toContain('500 ms');
      expect((await chartFacts(page, duration)).thresholds).toEqual([]);
      expect((await chartFacts(page, duration)).series.map((s) => s.label)).toEqual(['Average', 'p95']);
      // No silence or alert of keyed-app.
      expect(await page.locator('.chart-event').count()).toBe(0);
    });

    it('a click on a bar and a drag across the histogram narrow the list, to the millisecond; Reset returns', async () => {
      await page.goto(`${h.url}/#/violations?${range}`);
      const chart = '[data-testid="violation-histogram"] .chart';
      await eventually(() => page.getByTestId('violation-histogram').getAttribute('data-total')).toBe(
        String(data.violations.length),
      );
      await eventually(() => countShown(page)).toBe(data.violations.length);
      const { series } = await chartFacts(page, chart);
      const counts = series[0]!.values as number[];
      const peak = counts.indexOf(Math.max(...counts));
      const bucketStart = data.from + peak * MINUTE;

      const over = page.locator(`${chart} .u-over`);
      await over.scrollIntoViewIfNeeded();
      let box = (await over.boundingBox())!;
      await page.mouse.click(box.x + (await xOf(page, chart, bucketStart)), box.y + box.height - 4);
      await eventually(() => queryOf(page).get('zoom')).toBe(
        `${new Date(data.from).toISOString()}~${new Date(data.to).toISOString()}`,
      );
      expect(queryOf(page).get('from')).toBe(new Date(bucketStart).toISOString());
      expect(queryOf(page).get('to')).toBe(new Date(bucketStart + MINUTE).toISOString());
      await eventually(() => countShown(page)).toBe(counts[peak]);
      expect(counts[peak]).toBe(inWindow(bucketStart, bucketStart + MINUTE));
      expect(await page.getByTestId('zoomed').textContent()).toContain('Zoomed:');

      await page.getByRole('button', { name: 'Reset zoom', exact: true }).click();
      await eventually(() => hashOf(page)).toBe(`#/violations?${range}`);
      await eventually(() => countShown(page)).toBe(data.violations.length);

      // Drag from 20% to 55% of the plot.
      await over.scrollIntoViewIfNeeded();
      box = (await over.boundingBox())!;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width * 0.2, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.4, y, { steps: 4 });
      await page.mouse.move(box.x + box.width * 0.55, y, { steps: 4 });
      await page.mouse.up();
      await eventually(() => queryOf(page).get('zoom')).not.toBeNull();
      const from = Date.parse(queryOf(page).get('from')!);
      const to = Date.parse(queryOf(page).get('to')!);
      expect(from).toBeGreaterThan(data.from);
      expect(to).toBeLessThan(data.to);
      const expected = inWindow(from, to);
      expect(expected).toBeGreaterThan(0);
      await eventually(() => countShown(page)).toBe(expected);
      await eventually(() => page.getByTestId('violation-histogram').getAttribute('data-total')).toBe(String(expected));

      // The keyboard zooms too: the buttons beside the chart.
      const zoomIn = page.getByRole('button', { name: 'Zoom in: violations over time' });
      await zoomIn.focus();
      await page.keyboard.press('Enter');
      const span = () => Date.parse(queryOf(page).get('to')!) - Date.parse(queryOf(page).get('from')!);
      await eventually(() => Math.abs(span() - (to - from) / 2) <= 1).toBe(true);
      const reset = page.getByRole('button', { name: 'Reset zoom: violations over time' });
      await reset.focus();
      await page.keyboard.press('Enter');
      await eventually(() => hashOf(page)).toBe(`#/violations?${range}`);
    });

    it('breakdowns by key, rule and level count what the list then shows, and filter it when clicked', async () => {
      await page.goto(`${h.url}/#/violations?${range}`);
      await eventually(() => countShown(page)).toBe(data.violations.length);
      const steps: [string, string, (v: Seeded['violations'][number], value: string) => boolean][] = [
        ['level', 'level', (v, value) => v.level === value],
        ['key', 'key', (v, value) => v.key === value],
        ['rule', 'rule', (v, value) => v.rule === value],
      ];
      let kept = data.violations;
      for (const [by, parameter, matches] of steps) {
        const first = page.locator(`[data-testid="breakdown-${by}"] .breakdown-item`).first();
        await eventually(() => first.count()).toBe(1);
        const count = Number(await first.getAttribute('data-count'));
        await first.click();
        await eventually(() => queryOf(page).get(parameter)).not.toBeNull();
        const value = queryOf(page).get(parameter)!;
        kept = kept.filter((v) => matches(v, value));
        expect(count, `${by} ${value}`).toBe(kept.length);
        await eventually(() => countShown(page)).toBe(count);
        await eventually(() => first.getAttribute('aria-pressed')).toBe('true');
      }
      // Filters combine: the list now shows one key, one rule, one level.
      expect(kept.length).toBeGreaterThan(0);
      await page.screenshot({ path: join(RESULTS_DIR, `violations-drilldown-${view.name}.png`), fullPage: true });
      if (process.env.LAGWATCH_UPDATE_SCREENSHOTS === '1' && view.name === 'desktop') {
        await page.screenshot({ path: join(DOCS_SCREENSHOTS, 'violations-drilldown.png') });
      }
      await page.getByRole('button', { name: 'Clear the level filter' }).click();
      await eventually(() => queryOf(page).get('level')).toBeNull();
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
    });
  });
});
