import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertLogTable } from '../../src/db/schema.js';
import { selfNotification } from '../../src/self-monitoring/self-notification.js';
import { notification, sample } from '../alerts/render/sample-notification.js';
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
import { type SeededData, seedDemoData } from './seed.js';

if (chromiumMissing) console.warn(`[web/tables] SKIPPED: ${chromiumMissing}`);

/** Waits for the page to reach a state (generous: a loaded CI machine is slow, never wrong). */
const SUPPRESSED_TEXT = 'index shard 7 answered in 2.4 s';
const SENT_ROWS = 55; // more than a page of 50

type Layout = { width: number; height: number; colorScheme: 'light' | 'dark' };
const LAYOUTS: [string, Layout][] = [
  ['desktop light', { width: 1360, height: 900, colorScheme: 'light' }],
  ['desktop dark', { width: 1360, height: 900, colorScheme: 'dark' }],
  ['phone light', { width: 390, height: 844, colorScheme: 'light' }],
  ['phone dark', { width: 390, height: 844, colorScheme: 'dark' }],
];

const SELF_FACTS = (now: number) => ({
  id: 1,
  key: 'scans_failing',
  condition: 'scans_failing' as const,
  subject: 'log:alert-scan',
  since: now - 20 * 60_000,
  detail: 'log source unavailable: connect ECONNREFUSED',
  count: 3,
});
const SELF_OPTIONS = (now: number) => ({ now: now - 5 * 60_000, publicUrl: 'http://127.0.0.1:9501', afterMinutes: 10 });
const SELF_TITLE = 'lagwatch self-monitoring: scans failing';

describe.skipIf(chromiumMissing)('sortable apps table and alert log in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let seeded: SeededData;
  let traceId: string;
  let traceLogs: number;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-tables-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    const now = Date.now();
    seeded = await seedDemoData(h.ctx, h.store, { now, count: 2500, spanMs: 50 * 60_000, seed: 23 });
    const byId = new Map<string, number>();
    for (const log of seeded.logs) byId.set(log.correlation_id, (byId.get(log.correlation_id) ?? 0) + 1);
    [traceId, traceLogs] = [...byId].sort((a, b) => b[1] - a[1])[0]!;

    const payload = (app: string, message: string, over: Parameters<typeof notification>[0] = {}) =>
      JSON.stringify(
        notification({
          app,
          messageKey: null,
          ruleType: 'app',
          ruleId: 1,
          // The same set as the row's violation_count (4): a notification and its row tell one story.
          count: 4,
          sinceLastAlert: 4,
          firstAt: now - 30 * 60_000,
          lastAt: now - 25 * 60_000,
          samples: [sample({ correlationId: traceId, message, time: now - 28 * 60_000 })],
          dashboardUrl: `http://127.0.0.1:9501/#/violations?app=${encodeURIComponent(app)}&rule=app:1`,
          ...over,
        }),
      );
    const row = (minutesAgo: number, over: Partial<Insertable<AlertLogTable>>): Insertable<AlertLogTable> => ({
      rule_type: 'app',
      rule_id: 1,
      app_name: 'checkout-api',
      message_key: null,
      channel: 'telegram_chat',
      destination: '123456',
      target_id: null,
      status: 'sent',
      attempts: 1,
      next_attempt_at: now - minutesAgo * 60_000,
      last_error: null,
      violation_count: 4,
      payload: payload('checkout-api', 'cart served slowly'),
      created_at: now - minutesAgo * 60_000,
      updated_at: now - minutesAgo * 60_000,
      sent_at: now - minutesAgo * 60_000 + 500,
      ...over,
    });
    const rows: Record<string, Insertable<AlertLogTable>> = {
      pending: row(1, {
        app_name: 'payments-worker',
        channel: 'webhook',
        destination: 'https://hooks.example.com/lagwatch',
        status: 'pending',
        attempts: 2,
        next_attempt_at: now + 5 * 60_000,
        last_error: 'HTTP 503',
        sent_at: null,
        payload: payload('payments-worker', 'charge retried'),
      }),
      suppressed: row(2, {
        app_name: 'search-service',
        channel: 'email,webhook',
        destination: '-',
        status: 'suppressed',
        attempts: 0,
        last_error: 'no active target for email, webhook',
        sent_at: null,
        payload: payload('search-service', SUPPRESSED_TEXT),
      }),
      cooldown: row(3, {
        app_name: 'search-service',
        channel: 'telegram_chat',
        status: 'suppressed',
        attempts: 0,
        last_error: 'in cooldown',
        sent_at: null,
      }),
      failed: row(4, {
        app_name: 'notifications-queue',
        channel: 'email',
        destination: 'oncall@example.com',
        status: 'failed',
        last_error: '550 unknown recipient',
        sent_at: null,
      }),
      // A self-alert (lagwatch watching itself), held back by a silence of app lagwatch.
      self: row(5, {
        rule_type: 'self',
        app_name: 'lagwatch',
        message_key: 'scans_failing',
        status: 'silenced',
        attempts: 0,
        last_error: 'silenced: lagwatch',
        violation_count: 3,
        sent_at: null,
        payload: JSON.stringify(selfNotification(SELF_FACTS(now), 'alert', SELF_OPTIONS(now))),
      }),
    };
    for (let i = 0; i < SENT_ROWS; i++) rows[`sent-${i}`] = row(10 + i / 10, {});
    Object.assign(ids, await insertAlertRows(h.ctx.state.db, rows));
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  async function withPage(layout: Layout, path: string, use: (page: Page) => Promise<void>): Promise<void> {
    const browser = await launchBrowser(layout);
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${h.url}${path}`);
      await use(page);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }
  const filter = (page: Page, label: string) =>
    page
      .locator('label.inline-field')
      .filter({ has: page.locator(`span:text-is("${label}")`) })
      .locator('select');
  const hashQuery = (page: Page) => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
  const noSidewaysScroll = async (page: Page) => {
    return expect(
      await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(0);
  };

  /** The apps as the table lists them, and as the API orders them for the same sort. */
  async function appOrder(page: Page, sort: string | null) {
    const apps = page.getByRole('table', { name: 'Apps' });
    const shown = async () =>
      (await apps.locator('tbody > tr > th[scope=row]').allTextContents()).map((t) => t.replace(/^[▸▾]\s*/, ''));
    const to = new Date();
    const from = new Date(to.getTime() - 60 * 60_000);
    const query = `from=${from.toISOString()}&to=${to.toISOString()}${sort ? `&sort=${encodeURIComponent(sort)}` : ''}`;
    const api = await h.api('GET', `/dashboard/apps?${query}`);
    expect(api.status).toBe(200);
    return { shown, expected: api.body.data.apps.map((a: { app_name: string }) => a.app_name) as string[] };
  }

  it('sorts the apps by every figure through the API, keeps the sort in the URL across a reload', async () => {
    await withPage(LAYOUTS[0]![1], '/', async (page) => {
      const table = page.getByRole('table', { name: 'Apps' });
      await eventually(() => table.locator('tbody > tr').count()).toBe(4);
      const orders = new Set<string>();
      for (const label of ['App', 'Logs', 'Avg', 'p95', 'Worst', 'Violations', 'Rate']) {
        const heading = table.getByRole('columnheader', { name: label, exact: true });
        for (let click = 0; click < 2; click++) {
          const before = await heading.getAttribute('aria-sort');
          await heading.getByRole('button').click();
          // Every click changes this heading's direction (unsorted → first, then reversed).
          await eventually(() => heading.getAttribute('aria-sort')).not.toBe(before);
          const direction = await heading.getAttribute('aria-sort');
          expect(['ascending', 'descending'], label).toContain(direction);
          // The other headings are not sorted.
          expect(await table.locator('thead th[aria-sort]').count()).toBe(1);
          const sort = hashQuery(page).get('sort');
          const column = (sort ?? '-violations').replace(/^-/, '');
          expect((sort ?? '-violations').startsWith('-')).toBe(direction === 'descending');
          const { shown, expected } = await appOrder(page, sort);
          await eventually(shown).toEqual(expected);
          orders.add(`${column}:${direction}`);
        }
      }
      // Both directions of every column were taken.
      expect(orders.size).toBe(14);

      await table.getByRole('columnheader', { name: 'p95', exact: true }).getByRole('button').click();
      const sort = hashQuery(page).get('sort');
      expect(sort).toMatch(/^-?p95_ms$/);
      await page.reload();
      const { shown, expected } = await appOrder(page, sort);
      await eventually(shown).toEqual(expected);
      expect(await page.getByRole('columnheader', { name: 'p95', exact: true }).getAttribute('aria-sort')).toBe(
        sort!.startsWith('-') ? 'descending' : 'ascending',
      );
      // Back restores the previous sort.
      await page.goBack();
      await eventually(() => hashQuery(page).get('sort')).not.toBe(sort);
    });
  });

  it('filters the alert log by app, channel and status, and keeps filters and page across a reload', async () => {
    await withPage(LAYOUTS[0]![1], '/#/alerts', async (page) => {
      const table = page.getByRole('table', { name: 'Alert log' });
      const shownIds = async () =>
        (await table
          .locator('tbody > tr[data-alert-id]')
          .evaluateAll((rows) =>
            rows.map((r) => Number((r as unknown as { dataset: { alertId: string } }).dataset.alertId)),
          )) as number[];
      const apiIds = async (query: string) =>
        (await h.api('GET', `/alerts?${query}`)).body.data.items.map((a: { id: number }) => a.id) as number[];

      await eventually(shownIds).toEqual(await apiIds('per_page=50'));
      // Paging lives in the URL.
      await page.getByRole('navigation', { name: 'Alerts pages' }).getByRole('button', { name: 'Next' }).click();
      await eventually(() => hashQuery(page).get('page')).toBe('2');
      await eventually(shownIds).toEqual(await apiIds('per_page=50&page=2'));
      await page.reload();
      await eventually(shownIds).toEqual(await apiIds('per_page=50&page=2'));
      await expect.poll(() => page.getByText('Page 2 of 2').count()).toBe(1);

      await filter(page, 'App').selectOption('search-service');
      await eventually(() => hashQuery(page).get('app')).toBe('search-service');
      expect(hashQuery(page).get('page')).toBeNull(); // a new filter starts on page 1
      await eventually(shownIds).toEqual([ids.suppressed, ids.cooldown]);

      await filter(page, 'Channel').selectOption('email');
      await eventually(() => hashQuery(page).get('channel')).toBe('email');
      // The row written with no active target counts under each of its channels.
      await eventually(shownIds).toEqual([ids.suppressed]);
      expect(await apiIds('app_name=search-service&channel=email')).toEqual([ids.suppressed]);

      await filter(page, 'Channel').selectOption('');
      await filter(page, 'Status').selectOption('suppressed');
      await eventually(() => hashQuery(page).get('status')).toBe('suppressed');
      await eventually(shownIds).toEqual(await apiIds('app_name=search-service&status=suppressed'));

      await filter(page, 'App').selectOption('');
      await filter(page, 'Status').selectOption('failed');
      await filter(page, 'Channel').selectOption('email');
      await eventually(shownIds).toEqual([ids.failed]);
      await page.reload();
      await eventually(shownIds).toEqual([ids.failed]);
      expect(await filter(page, 'Status').inputValue()).toBe('failed');
      expect(await filter(page, 'Channel').inputValue()).toBe('email');

      await filter(page, 'Channel').selectOption('telegram_group');
      await eventually(() => page.getByText('No alert in this range matches these filters.').count()).toBe(1);
    });
  });

  it('shows the attempts and next retry of a pending row, a preview of a suppressed row, and its trace', async () => {
    await withPage(LAYOUTS[0]![1], '/#/alerts', async (page) => {
      const row = (name: string) => page.locator(`tbody > tr[data-alert-id="${ids[name]}"]`);
      await eventually(() => row('pending').count()).toBe(1);
      const pending = await row('pending').getByTestId('alert-pending').textContent();
      expect(pending).toMatch(/^2 attempts · next retry .+ \(in [45] min\)$/);
      // Only pending rows say when they are due.
      expect(await page.getByTestId('alert-pending').count()).toBe(1);

      await row('suppressed').getByRole('button', { expanded: false }).click();
      const preview = page.getByTestId('alert-preview');
      await eventually(() => preview.locator('pre').count()).toBe(2);
      const api = await h.api('GET', `/alerts/${ids.suppressed}/preview`);
      const texts = await preview.locator('pre').allTextContents();
      expect(texts).toEqual(api.body.data.previews.map((p: { text: string }) => p.text));
      expect(texts[0]).toContain(SUPPRESSED_TEXT);
      expect(await preview.textContent()).toContain(`Subject: ${api.body.data.previews[0].subject}`);
      expect(await preview.getByRole('heading').allTextContents()).toEqual([
        'Would say on Email',
        'Would say on Webhook',
      ]);
      await page.screenshot({ path: join(RESULTS_DIR, 'alert-log.png'), fullPage: false });

      // A self-alert says what lagwatch found in itself, with no rule to link to.
      const sentence = selfNotification(SELF_FACTS(Date.now()), 'alert', SELF_OPTIONS(Date.now())).sentence!;
      const selfCell = row('self').getByTestId('alert-self');
      expect(await selfCell.locator('strong').textContent()).toBe(SELF_TITLE);
      expect(await selfCell.textContent()).toContain(sentence.split(' since ')[0]);
      await row('self').getByRole('button', { expanded: false }).click();
      const selfDetail = page.getByTestId('alert-self-detail');
      await eventually(() => selfDetail.textContent()).toContain(SELF_TITLE);
      expect(await selfDetail.textContent()).toContain('every scan has failed');
      expect(await page.locator('.alert-facts').last().textContent()).not.toMatch(/rule #/);

      await row('suppressed').getByTestId('alert-trace').click();
      await eventually(() => new URL(page.url()).hash).toBe(`#/trace/${encodeURIComponent(traceId)}`);
      await eventually(() => page.getByTestId('trace-log').count()).toBe(traceLogs);
    });
  });

  it.each(LAYOUTS)(
    'works at %s: no sideways scrolling, pending retry and preview shown, apps sort',
    async (name, layout) => {
      await withPage(layout, '/#/alerts?status=pending', async (page) => {
        const row = page.locator(`tbody > tr[data-alert-id="${ids.pending}"]`);
        await eventually(() => row.getByTestId('alert-pending').isVisible()).toBe(true);
        await noSidewaysScroll(page);
        await row.getByRole('button', { expanded: false }).click();
        const preview = page.getByTestId('alert-preview');
        await eventually(() => preview.locator('pre').count()).toBe(1);
        expect(await preview.locator('pre').isVisible()).toBe(true);
        expect(await preview.locator('pre').textContent()).toContain('"app": "payments-worker"');
        await noSidewaysScroll(page);
        const background = await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
        if (layout.colorScheme === 'dark') expect(background).toBe('rgb(14, 17, 23)');
        else expect(background).not.toBe('rgb(14, 17, 23)');
        await page.screenshot({ path: join(RESULTS_DIR, `alert-log-${name.replace(' ', '-')}.png`), fullPage: true });

        if (layout.width < 600) {
          await page.goto(`${h.url}/#/alerts?status=silenced`);
          const self = page.locator(`tbody > tr[data-alert-id="${ids.self}"]`).getByTestId('alert-self');
          await eventually(() => self.isVisible()).toBe(true);
          expect(await self.textContent()).toMatch(/^lagwatch self-monitoring: scans failinglagwatch cannot watch: /);
          // No rule to link to; the channel shows under it where the Channel column is hidden.
          expect(await self.locator('a').count()).toBe(0);
          expect(await self.locator('.show-narrow').isVisible()).toBe(true);
          expect(await self.locator('.show-narrow').textContent()).toBe('Telegram chat');
          await noSidewaysScroll(page);
        }

        await page.goto(`${h.url}/#/?sort=-p95_ms`);
        const { shown, expected } = await appOrder(page, '-p95_ms');
        await eventually(shown).toEqual(expected);
        await noSidewaysScroll(page);
        await page.getByRole('columnheader', { name: 'Logs', exact: true }).getByRole('button').click();
        await eventually(() => hashQuery(page).get('sort')).toBe('-logs');
        const byLogs = await appOrder(page, '-logs');
        await eventually(byLogs.shown).toEqual(byLogs.expected);
      });
    },
  );
});
