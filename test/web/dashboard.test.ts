import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

if (chromiumMissing) console.warn(`[web/dashboard] SKIPPED: ${chromiumMissing}`);

const LOG_COUNT = 2500;
const integer = (n: number) => new Intl.NumberFormat('en-US').format(n);
/** Waits for the page to reach a state (generous: a loaded CI machine is slow, never wrong). */

describe.skipIf(chromiumMissing)('web dashboard in Chromium against a real server', () => {
  let webRoot: string;
  let h: WebHarness;
  let seeded: SeededData;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-dashboard-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    // 50 minutes back from now: inside the dashboard's default range (the last hour).
    seeded = await seedDemoData(h.ctx, h.store, { now: Date.now(), count: LOG_COUNT, spanMs: 50 * 60_000, seed: 11 });
    browser = await launchBrowser();
    context = browser.context;
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${h.url}${path}`);
    (page as Page & { problems?: string[] }).problems = problems;
    return page;
  }
  const pageErrors = (page: Page) => (page as Page & { problems?: string[] }).problems ?? [];

  it('shows the figures of the seeded data set, and updates on a live event', async () => {
    const page = await open('/');
    const stat = (name: string) => page.getByTestId(`stat-${name}`);
    await eventually(() => stat('total-logs').textContent()).toBe(integer(LOG_COUNT));
    expect(await stat('active-apps').textContent()).toBe('4');
    expect(await stat('violations').textContent()).toBe(integer(seeded.violations.length));
    expect(seeded.violations.length).toBeGreaterThan(5); // the figure must be exercised

    const durations = seeded.logs.flatMap((l) => (l.duration === undefined ? [] : [l.duration]));
    const mean = durations.reduce((s, d) => s + d, 0) / durations.length;
    const shown = (await stat('average-duration').textContent()) ?? '';
    expect(shown).toMatch(/^\d+ ms$/);
    expect(Math.abs(Number.parseInt(shown, 10) - mean)).toBeLessThanOrEqual(1);

    const appsTable = page.getByRole('table', { name: 'Apps' });
    await eventually(() => appsTable.locator('tbody > tr').count()).toBe(4);
    for (const app of ['checkout-api', 'payments-worker', 'search-service', 'notifications-queue']) {
      const logs = seeded.logs.filter((l) => l.app_name === app).length;
      const row = appsTable.locator('tbody > tr', { hasText: app });
      expect(await row.locator('td').first().textContent()).toBe(integer(logs));
    }
    await eventually(() => page.locator('.chart canvas').count()).toBe(2);
    await page.screenshot({ path: join(RESULTS_DIR, 'dashboard-overview.png'), fullPage: true });

    // A violation recorded now, announced on /events: the figures follow without a reload.
    const now = Date.now() - 60_000;
    await h.ctx.state.db
      .insertInto('violations')
      .values({
        dedupe_key: createHash('sha256').update('live-1').digest('hex'),
        source_id: 'live-1',
        rule_type: 'app',
        rule_id: 1,
        app_name: 'checkout-api',
        message_key: 'GET /cart',
        duration_ms: 900,
        threshold_ms: 250,
        log_time: now,
        correlation_id: null,
        level: 'warn',
        message: 'cart served (slow)',
        created_at: now,
      })
      .execute();
    await eventually(() => page.locator('.live-live').count()).toBe(1);
    h.ctx.events.publish({
      type: 'violation',
      data: {
        rule_type: 'app',
        rule_id: 1,
        app_name: 'checkout-api',
        message_key: 'GET /cart',
        duration_ms: 900,
        threshold_ms: 250,
        log_time: new Date(now).toISOString(),
        correlation_id: null,
      },
    });
    await eventually(() => stat('violations').textContent()).toBe(integer(seeded.violations.length + 1));
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('creates a rule in the UI that the API then lists, and disables it', async () => {
    const page = await open('/#/rules');
    await page.getByRole('button', { name: 'New app rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New app rule' });
    await dialog.getByLabel('App name').fill('billing-api');
    await dialog.getByLabel('Max duration (ms)').fill('750');
    await dialog.getByLabel('Cooldown (minutes)').fill('10');
    await dialog.getByLabel('Telegram chat').uncheck();
    await dialog.getByLabel('Email').check();
    await dialog.getByLabel('Webhook').check();
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = page.getByRole('table', { name: 'App rules' }).locator('tbody > tr', { hasText: 'billing-api' });
    await row.waitFor();
    const listed = await h.api('GET', '/rules/app?app_name=billing-api');
    expect(listed.status).toBe(200);
    expect(listed.body.data.items).toHaveLength(1);
    expect(listed.body.data.items[0]).toMatchObject({
      app_name: 'billing-api',
      max_duration: 750,
      cooldown_minutes: 10,
      is_active: true,
      alert_channels: ['email', 'webhook'],
    });

    // The switch is controlled: it flips once the API has answered, so click and wait for both
    // (Playwright's uncheck() expects the state to change at once).
    const active = page.getByLabel('Active: billing-api');
    await active.click();
    await active.waitFor({ state: 'attached' });
    await eventually(async () => active.isChecked()).toBe(false);
    await eventually(
      async () => (await h.api('GET', '/rules/app?app_name=billing-api')).body.data.items[0].is_active,
    ).toBe(false);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('creates, edits, disables and deletes an alert target in the UI, as the API then lists it', async () => {
    const page = await open('/#/targets');
    page.on('dialog', (question) => void question.accept());
    await page.getByRole('button', { name: 'New target' }).click();
    const dialog = page.getByRole('dialog', { name: 'New target' });
    await dialog.getByLabel('Name').fill('on-call mail');
    await dialog.getByLabel('Channel').selectOption('email');
    await dialog.getByLabel('Email address').fill('oncall@example.com');
    await dialog.getByRole('button', { name: 'Create target' }).click();
    await dialog.waitFor({ state: 'detached' });

    const table = page.getByRole('table', { name: 'Alert targets' });
    const row = table.locator('tbody > tr', { hasText: 'on-call mail' });
    await row.waitFor();
    const byName = async () =>
      ((await h.api('GET', '/targets?per_page=500')).body.data.items as { name: string; is_active: boolean }[]).find(
        (t) => t.name === 'on-call mail',
      );
    expect(await byName()).toMatchObject({ type: 'email', external_id: 'oncall@example.com', is_active: true });

    await page.getByRole('button', { name: 'Edit on-call mail' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit target' });
    await edit.getByLabel('Email address').fill('pager@example.com');
    await edit.getByRole('button', { name: 'Save target' }).click();
    await edit.waitFor({ state: 'detached' });
    await eventually(async () => (await row.textContent()) ?? '').toContain('pager@example.com');
    expect(await byName()).toMatchObject({ external_id: 'pager@example.com' });

    const active = page.getByLabel('Active: on-call mail');
    await active.click();
    await eventually(async () => active.isChecked()).toBe(false);
    await eventually(async () => (await byName())?.is_active).toBe(false);

    await page.getByRole('button', { name: 'Delete on-call mail' }).click();
    await row.waitFor({ state: 'detached' });
    expect(await byName()).toBeUndefined();
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('shows the validation message at its field, in words for people, and creates nothing', async () => {
    const before = (await h.api('GET', '/rules/message')).body.data.total;
    const page = await open('/#/rules');
    await page.getByRole('button', { name: 'New message rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New message rule' });
    await dialog.getByLabel('App name').fill('checkout-api');
    await dialog.getByLabel('Message key').fill('GET /cart/items');
    await dialog.getByLabel('Max duration (ms)').fill('-5');
    await dialog.getByRole('button', { name: 'Create rule' }).click();

    // What the API says about the same input, field by field.
    const expected = await h.api('POST', '/rules/message', {
      app_name: 'checkout-api',
      message_key: 'GET /cart/items',
      max_duration: -5,
      cooldown_minutes: 15,
      is_active: true,
      alert_channels: ['telegram_chat'],
    });
    expect(expected.status).toBe(422);
    const problem = expected.body.error.details.find((d: { field: string }) => d.field === 'max_duration');
    expect(problem).toBeDefined();

    const input = dialog.getByLabel('Max duration (ms)');
    await eventually(() => input.getAttribute('aria-invalid')).toBe('true');
    const errorId = (await input.getAttribute('aria-describedby'))?.split(' ')[0];
    // The API's problem in words for people (the form checks it before sending, the same way).
    expect(problem.message).toBe('must be > 0');
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toBe('Enter a threshold above 0 ms');
    expect(await dialog.getByLabel('App name').getAttribute('aria-invalid')).toBe('false');
    await page.screenshot({ path: join(RESULTS_DIR, 'dashboard-validation.png') });

    expect((await h.api('GET', '/rules/message')).body.data.total).toBe(before);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('shows every log of a trace, oldest first, from a /trace/<id> link', async () => {
    const byId = new Map<string, typeof seeded.logs>();
    for (const log of seeded.logs) byId.set(log.correlation_id, [...(byId.get(log.correlation_id) ?? []), log]);
    const [id, logs] = [...byId].sort((a, b) => b[1].length - a[1].length)[0]!;
    expect(new Set(logs.map((l) => l.app_name)).size).toBeGreaterThan(1); // a trace that spans apps

    const page = await open(`/trace/${encodeURIComponent(id)}`);
    expect(new URL(page.url()).hash).toBe(`#/trace/${id}`);
    const rows = page.getByTestId('trace-log');
    await eventually(() => rows.count()).toBe(logs.length);
    const apps = await rows.locator('.waterfall-app').allTextContents();
    const keys = await rows.locator('.waterfall-key').allTextContents();
    const oldestFirst = [...logs].sort((a, b) => a['@timestamp'].localeCompare(b['@timestamp']));
    expect(apps.map((a, i) => `${a} ${keys[i]}`).sort()).toEqual(
      oldestFirst.map((l) => `${l.app_name} ${l.message_key}`).sort(),
    );
    expect(apps[0]).toBe(oldestFirst[0]!.app_name);
    await page.screenshot({ path: join(RESULTS_DIR, 'dashboard-trace.png'), fullPage: true });
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('fits a phone screen without sideways scrolling, in the dark theme too', async () => {
    const phone = await launchBrowser({ width: 390, height: 844, colorScheme: 'dark' });
    try {
      const page = await phone.context.newPage();
      await page.goto(`${h.url}/`);
      await eventually(() => page.getByTestId('stat-total-logs').textContent()).toBe(integer(LOG_COUNT));
      await eventually(() => page.locator('.chart canvas').count()).toBe(2);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      const background = await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
      expect(background).toBe('rgb(14, 17, 23)');
      await page.screenshot({ path: join(RESULTS_DIR, 'dashboard-phone-dark.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });
});
