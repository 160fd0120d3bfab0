import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanGroups } from '../../src/alerts/grouping.js';
import type { AlertNotification } from '../../src/alerts/notification.js';
import type { RecordedViolation } from '../../src/violations/violation-row.js';
import { recordNewViolations } from '../../src/violations/violation-store.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  RESULTS_DIR,
  startWebHarness,
  type WebHarness,
} from './harness.js';

if (chromiumMissing) console.warn(`[web/views-and-links] SKIPPED: ${chromiumMissing}`);

const MINUTE = 60_000;
const MAX_DAYS = 3;

interface Recorded {
  id: number;
  durationMs: number;
  logTime: number;
  ruleType: 'app' | 'message';
  ruleId: number;
}

describe.skipIf(chromiumMissing)('notification links and views in the URL, in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let recorded: Recorded[];
  /** The notifications of the scans, as the scanner builds them (real link builder). */
  let messageAlert: AlertNotification;
  let appAlert: AlertNotification;
  let messageRuleId: number;
  let appRuleId: number;
  const now = Date.now();
  const scanA = now - 3 * 60 * MINUTE; // the message rule's reported scan
  const scanB = now - 2 * 60 * MINUTE; // the app rule's reported scan

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-views-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot, { DASHBOARD_MAX_DAYS: String(MAX_DAYS) });
    const base = { is_active: true, alert_channels: ['webhook' as const], cooldown_minutes: 5 };
    messageRuleId = (
      await h.ctx.messageRules.create(
        { ...base, app_name: 'checkout', message_key: 'GET /x', max_duration: 500 },
        'test',
      )
    ).id;
    appRuleId = (await h.ctx.appRules.create({ ...base, app_name: 'checkout', max_duration: 300 }, 'test')).id;

    let n = 0;
    const row = (ruleType: 'app' | 'message', logTime: number, durationMs: number, key: string): RecordedViolation => {
      n++;
      return {
        dedupe_key: `views-${String(n).padStart(10, '0')}`.padEnd(64, '0'),
        source_id: `log-${n}`,
        rule_type: ruleType,
        rule_id: ruleType === 'message' ? messageRuleId : appRuleId,
        app_name: 'checkout',
        message_key: key,
        duration_ms: durationMs,
        threshold_ms: ruleType === 'message' ? 500 : 300,
        log_time: logTime,
        correlation_id: `trace-${n}`,
        level: 'warn',
        message: 'slow',
        created_at: logTime + 10_000,
      };
    };
    // The message rule's scan: 5 violations in 2 minutes; the same rule's next scan 5 minutes later;
    // app-rule violations of other keys in between (the same minutes, another rule).
    const scanARows = [0, 20, 45, 80, 119].map((s, i) => row('message', scanA + s * 1000, 600 + i * 100, 'GET /x'));
    const laterA = [0, 30, 60].map((s) => row('message', scanA + 5 * MINUTE + s * 1000, 900, 'GET /x'));
    const betweenB = [10, 50].map((s) => row('app', scanA + s * 1000, 400, 'GET /other'));
    // The app rule's scan: 60 violations over 10 minutes, durations out of time order.
    const scanBRows = Array.from({ length: 60 }, (_, i) =>
      row('app', scanB + i * 10_000, 310 + ((i * 37) % 60) * 20, i % 2 ? 'GET /a' : 'GET /b'),
    );
    await h.ctx.state.db.transaction().execute(async (trx) => {
      for (const batch of [scanARows, laterA, betweenB, scanBRows]) await recordNewViolations(trx, batch);
    });
    const stored = await h.ctx.state.db.selectFrom('violations').selectAll().execute();
    recorded = stored.map((r) => ({
      id: Number(r.id),
      durationMs: Number(r.duration_ms),
      logTime: Number(r.log_time),
      ruleType: r.rule_type,
      ruleId: Number(r.rule_id),
    }));
    const notify = (rows: RecordedViolation[]) => {
      const groups = new ScanGroups();
      groups.add(rows);
      const group = groups.all()[0]!;
      return group.toNotification(group.count, h.url);
    };
    messageAlert = notify(scanARows);
    appAlert = notify(scanBRows);
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  const idsIn = (from: number, to: number, type: 'app' | 'message') =>
    recorded
      .filter((r) => r.ruleType === type && r.logTime >= from && r.logTime <= to)
      .map((r) => r.id)
      .sort((a, b) => a - b);
  const shownIds = async (page: Page) =>
    (
      await page
        .locator('table[aria-label="Violations"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))))
    ).sort((a, b) => a - b);
  const hash = (page: Page) => new URL(page.url()).hash;

  async function withBrowser<T>(
    options: { width?: number; colorScheme?: 'light' | 'dark' },
    use: (
      open: (path: string) => Promise<Page>,
      errors: string[],
      browser: Awaited<ReturnType<typeof launchBrowser>>,
    ) => Promise<T>,
  ): Promise<T> {
    const browser = await launchBrowser({ width: options.width, height: 900, colorScheme: options.colorScheme });
    const errors: string[] = [];
    try {
      return await use(
        async (path) => {
          const page = await browser.context.newPage();
          page.on('pageerror', (error) => errors.push(error.message));
          await page.goto(path.startsWith('http') ? path : `${h.url}${path}`);
          return page;
        },
        errors,
        browser,
      );
    } finally {
      await browser.close();
    }
  }

  it('a notification link opens on exactly the violations it reported (desktop and phone, light and dark)', async () => {
    expect(messageAlert.count).toBe(5);
    const expected = idsIn(messageAlert.firstAt, messageAlert.lastAt, 'message');
    expect(expected).toHaveLength(5);
    for (const [width, scheme] of [
      [1360, 'light'],
      [1360, 'dark'],
      [390, 'light'],
      [390, 'dark'],
    ] as const) {
      await withBrowser({ width, colorScheme: scheme }, async (open, errors) => {
        const page = await open(messageAlert.dashboardUrl);
        await eventually(() => shownIds(page)).toEqual(expected);
        expect(await page.getByTestId('violation-count').textContent()).toMatch(/^5 violations, newest first/);
        const chip = page.getByTestId('rule-filter');
        await eventually(() => chip.textContent()).toContain(
          `Rule: message #${messageRuleId} · checkout · GET /x > 500 ms`,
        );
        expect(await page.getByTestId('violation-histogram').getAttribute('data-total')).toBe('5');
        // The columns that matter stay visible at every width; nothing scrolls sideways.
        for (const column of ['Time', 'Duration', 'Trace']) {
          await expect(page.getByRole('columnheader', { name: column }).isVisible()).resolves.toBe(true);
        }
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(RESULTS_DIR, `violations-link-${width}-${scheme}.png`), fullPage: true });

        // The app rule's link: its own 60, none of the message rule's, none of the app rule's others.
        await page.goto(appAlert.dashboardUrl);
        await page.reload();
        await eventually(() => page.getByTestId('violation-count').textContent()).toMatch(/^60 violations/);
        expect(await page.getByTestId('rule-filter').textContent()).toContain(`app #${appRuleId}`);

        // Clearing the rule widens to every rule's violations of the view.
        await page.goto(messageAlert.dashboardUrl);
        await eventually(() => shownIds(page)).toEqual(expected);
        await page.getByRole('button', { name: 'Clear the rule filter' }).click();
        await eventually(() => hash(page)).not.toContain('rule=');
        // key=GET /x stays: only message-rule rows have that key in this window
        await eventually(() => shownIds(page)).toEqual(expected);
        expect(errors).toEqual([]);
      });
    }
  }, 180_000);

  it('the view lives in the URL: pages, sort by duration, reload, back and forward', async () => {
    await withBrowser({}, async (open, errors) => {
      const page = await open(appAlert.dashboardUrl);
      const table = page.locator('table[aria-label="Violations"] tbody tr');
      await eventually(() => table.count()).toBe(50);
      const byId = new Map(recorded.map((r) => [r.id, r]));
      const shownDurations = async () =>
        (await table.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))))).map(
          (id) => byId.get(id)!.durationMs,
        );
      const newestFirst = recorded
        .filter((r) => r.ruleId === appRuleId && r.ruleType === 'app' && r.logTime >= scanB)
        .sort((a, b) => b.logTime - a.logTime);

      await page.getByRole('button', { name: 'Next' }).click();
      await eventually(() => hash(page)).toContain('page=2');
      await eventually(() => table.count()).toBe(10);

      const duration = page.getByRole('columnheader', { name: /Duration/ });
      expect(await duration.getAttribute('aria-sort')).toBe('none');
      await duration.getByRole('button').click();
      await eventually(() => hash(page)).toContain('sort=-duration');
      expect(hash(page)).not.toContain('page=');
      await eventually(() => duration.getAttribute('aria-sort')).toBe('descending');
      const slowest = [...newestFirst].sort((a, b) => b.durationMs - a.durationMs || b.logTime - a.logTime);
      await eventually(shownDurations).toEqual(slowest.slice(0, 50).map((r) => r.durationMs));
      await duration.getByRole('button').click();
      await eventually(() => duration.getAttribute('aria-sort')).toBe('ascending');
      await eventually(shownDurations).toEqual(
        [...slowest]
          .reverse()
          .slice(0, 50)
          .map((r) => r.durationMs),
      );

      await page.reload();
      await eventually(() => duration.getAttribute('aria-sort')).toBe('ascending');
      expect(hash(page)).toContain('sort=duration');

      await page.goBack();
      await eventually(() => duration.getAttribute('aria-sort')).toBe('descending');
      await page.goBack();
      await eventually(() => hash(page)).toContain('page=2');
      await eventually(() => table.count()).toBe(10);
      expect(await page.getByRole('columnheader', { name: /Time/ }).getAttribute('aria-sort')).toBe('descending');
      const pageTwo = newestFirst
        .slice(50)
        .map((r) => r.id)
        .sort((a, b) => a - b);
      await eventually(() => shownIds(page)).toEqual(pageTwo);
      await page.goForward();
      await eventually(() => duration.getAttribute('aria-sort')).toBe('descending');

      // A pasted link shows the same view in a new tab.
      const pasted = await open(page.url());
      await eventually(() => pasted.getByRole('columnheader', { name: /Duration/ }).getAttribute('aria-sort')).toBe(
        'descending',
      );

      // The key filter: a prefix search is in the URL and says what it matches.
      await page.getByLabel('Message key').fill('GET /');
      await page.getByLabel('Match').selectOption('prefix');
      await eventually(() => hash(page)).toContain('match=prefix');
      await eventually(() => page.getByTestId('violation-count').textContent()).toMatch(/^60 violations/);
      expect(await page.locator('#key-match-hint').textContent()).toContain('start with');
      await page.getByLabel('Match').selectOption('exact');
      await eventually(() => page.locator('.empty').textContent()).toContain('No violations');

      // Overview → Violations keeps the range, through the nav and through an app's link.
      const from = new Date(scanA - 10 * MINUTE).toISOString();
      const to = new Date(scanA + 20 * MINUTE).toISOString();
      const overview = await open(`/#/?from=${from}&to=${to}`);
      const appLink = overview.locator('main a[href^="#/violations"]').first();
      await appLink.waitFor();
      await appLink.click();
      await eventually(() => hash(overview)).toContain('#/violations');
      await eventually(() => new URLSearchParams(hash(overview).split('?')[1]).get('from')).toBe(from);
      expect(new URLSearchParams(hash(overview).split('?')[1]).get('to')).toBe(to);
      await overview.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Overview' }).click();
      await overview.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Violations' }).click();
      await eventually(() => new URLSearchParams(hash(overview).split('?')[1]).get('from')).toBe(from);

      // A view without a range in the URL gets the one shown, so the URL is complete.
      const bare = await open('/#/violations?rule=app:1');
      await eventually(() => hash(bare)).toMatch(/range=\d+[mhd]/);
      expect(errors).toEqual([]);
    });
  }, 120_000);

  it('an empty view offers wider ranges that the server accepts', async () => {
    await withBrowser({}, async (open, errors) => {
      const page = await open(`/#/violations?range=15m&rule=message:${messageRuleId}`);
      await eventually(() => page.locator('.empty').textContent()).toContain(
        'No violations in this range for this filter',
      );
      expect(await page.getByRole('button', { name: 'Last 7 days' }).count()).toBe(0); // over DASHBOARD_MAX_DAYS
      await page.getByRole('button', { name: 'Last 24 hours' }).click();
      await eventually(() => hash(page)).toContain('range=24h');
      await eventually(() => page.getByTestId('violation-count').textContent()).toMatch(/^8 violations/);

      // A 2-minute window with nothing in it, after the later scan: ×4 around it reaches that scan only.
      const from = new Date(scanA + 7 * MINUTE);
      const to = new Date(scanA + 9 * MINUTE);
      const empty = await open(
        `/#/violations?from=${from.toISOString()}&to=${to.toISOString()}&rule=message:${messageRuleId}`,
      );
      await eventually(() => empty.locator('.empty').count()).toBe(1);
      await empty.getByRole('button', { name: 'Widen ×4' }).click();
      await eventually(() => empty.getByTestId('violation-count').textContent()).toMatch(/^3 violations/);
      expect(errors).toEqual([]);
    });
  }, 120_000);

  it(`a range over DASHBOARD_MAX_DAYS (${MAX_DAYS}) is refused in the picker and never sent`, async () => {
    await withBrowser({}, async (open, errors) => {
      const sent: string[] = [];
      const page = await open('/#/violations?range=24h');
      page.on('request', (request) => {
        if (request.url().includes('/monitor/violation/')) sent.push(request.url());
      });
      await eventually(() => page.locator('.empty, [data-testid="violation-count"]').count()).toBe(1);
      const select = page.locator('.range-picker select');
      await eventually(() => select.locator('option', { hasText: 'Last 7 days' }).isDisabled()).toBe(true);
      await select.selectOption('custom');
      const form = page.getByRole('form', { name: 'Custom time range' });
      await form.getByLabel('From').fill('2026-11-01T00:00');
      await form.getByLabel('To').fill('2026-11-06T00:00');
      sent.length = 0;
      await form.getByRole('button', { name: 'Apply' }).click();
      await eventually(() => form.getByRole('alert').textContent()).toContain(`at most ${MAX_DAYS} days`);
      expect(hash(page)).toContain('range=24h');
      await page.waitForTimeout(500);
      expect(sent).toEqual([]);

      // A pasted link over the limit is not sent either, and says why.
      const pasted = await open('/#/violations?from=2026-11-01T00:00:00Z&to=2026-11-06T00:00:00Z');
      const pastedSent: string[] = [];
      pasted.on('request', (r) => {
        if (r.url().includes('/monitor/violation/')) pastedSent.push(r.url());
      });
      await eventually(() => pasted.getByRole('alert').first().textContent()).toContain('DASHBOARD_MAX_DAYS');
      expect(await pasted.locator('.empty').count()).toBe(0);
      expect(pastedSent.filter((u) => u.includes('2026-11-06'))).toEqual([]);
      expect(errors).toEqual([]);
    });
  }, 120_000);

  it('after a failed request the previous rows go; a failed refresh keeps them "as of" their time', async () => {
    await withBrowser({}, async (open, _errors, browser) => {
      const page = await open(messageAlert.dashboardUrl);
      await eventually(() => shownIds(page)).toEqual(idsIn(messageAlert.firstAt, messageAlert.lastAt, 'message'));
      await eventually(() => page.locator('.live-live').count()).toBe(1);

      await page.route('**/monitor/violation/**', (route) => route.abort());
      // A refresh of the same view fails (a live event): the rows stay, marked with their time.
      h.ctx.events.publish({
        type: 'violation',
        data: {
          rule_type: 'app',
          rule_id: appRuleId,
          app_name: 'checkout',
          message_key: 'GET /a',
          duration_ms: 900,
          threshold_ms: 300,
          log_time: new Date().toISOString(),
          correlation_id: null,
        },
      });
      await eventually(() => page.getByTestId('violation-count').textContent()).toMatch(/as of \d/);
      expect(await page.getByRole('alert').textContent()).toContain('cannot be reached');
      expect(await shownIds(page)).toHaveLength(5);

      // A new range fails: neither the old rows nor "No violations" beside the error.
      await page.locator('.range-picker select').selectOption('360');
      await eventually(() => hash(page)).toContain('range=6h');
      await eventually(() => page.getByRole('alert').textContent()).toContain('cannot be reached');
      expect(await page.locator('table[aria-label="Violations"]').count()).toBe(0);
      expect(await page.locator('.empty').count()).toBe(0);
      await page.screenshot({ path: join(RESULTS_DIR, 'violations-failed.png') });

      await page.unroute('**/monitor/violation/**');
      await page.getByRole('button', { name: 'Try again' }).click();
      await eventually(() => page.getByTestId('violation-count').textContent()).toMatch(
        /^\d+ violations, newest first$/,
      );

      // Offline (no live updates): the figures say when they are from.
      const offline = await browser.context.newPage();
      await offline.route('**/events', (route) => route.abort());
      await offline.goto(messageAlert.dashboardUrl);
      await eventually(() => offline.locator('.live-offline').count()).toBe(1);
      await eventually(() => offline.locator('.page-head').textContent()).toMatch(/offline, figures as of \d/);
      await eventually(() => offline.getByTestId('violation-count').textContent()).toMatch(
        /^5 violations, newest first · as of \d/,
      );
    });
  }, 120_000);
});
