import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  startWebHarness,
  type WebHarness,
} from './harness.js';
import { seedDemoData } from './seed.js';

if (chromiumMissing) console.warn(`[web/silences] SKIPPED: ${chromiumMissing}`);

describe.skipIf(chromiumMissing)('silences, Mute and noise-control rule fields in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-silences-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    await seedDemoData(h.ctx, h.store, { now: Date.now(), count: 400, spanMs: 30 * 60_000, seed: 5 });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${h.url}${path}`);
    return { page, errors };
  }

  it('creates a silence on the Silences page and expires it; Mute on a violation row silences its scope', async () => {
    const { page, errors } = await open('/#/silences');
    const form = page.getByRole('form', { name: 'New silence' });
    await form.getByLabel('App name').fill('checkout-api');
    await form.getByLabel('Message key').fill('POST /pay');
    await form.getByLabel('For').selectOption('120');
    await form.getByLabel('Comment').fill('deploy');
    await form.getByRole('button', { name: 'Silence' }).click();
    const row = page.getByRole('table', { name: 'Silences' }).locator('tbody > tr', { hasText: 'checkout-api' });
    await row.waitFor();
    const listed = (await h.api('GET', '/silences?active=true')).body.data.items;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      app_name: 'checkout-api',
      message_key: 'POST /pay',
      comment: 'deploy',
      created_by: 'dashboard',
    });
    expect(Date.parse(listed[0].ends_at) - Date.parse(listed[0].starts_at)).toBe(120 * 60_000);

    await row.getByRole('button', { name: 'Expire' }).click();
    await eventually(async () => (await h.api('GET', '/silences?active=true')).body.data.total).toBe(0);
    await eventually(async () => page.getByText('No active silence').isVisible()).toBe(true);

    // An empty app name: the API's message at its field, nothing created.
    await form.getByRole('button', { name: 'Silence' }).click();
    await eventually(async () => (await form.locator('.field-invalid').count()) > 0).toBe(true);
    expect((await h.api('GET', '/silences')).body.data.total).toBe(1);

    const violations = await open('/#/violations');
    const first = violations.page.getByRole('table', { name: 'Violations' }).locator('tbody > tr').first();
    await first.waitFor();
    await first.getByRole('button', { name: /^Mute .* for 1 hour$/ }).click();
    await eventually(async () => (await h.api('GET', '/silences?active=true')).body.data.total).toBe(1);
    expect(errors).toEqual([]);
    expect(violations.errors).toEqual([]);
    await page.close();
    await violations.page.close();
  });

  it('sets a count window and resolved notifications in the rule form', async () => {
    const { page, errors } = await open('/#/rules');
    await page.getByRole('button', { name: 'New app rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New app rule' });
    await dialog.getByLabel('App name').fill('noisy-api');
    await dialog.getByLabel('Max duration (ms)').fill('500');
    await dialog.getByLabel('Count window (minutes)').fill('10');
    await dialog.getByLabel('Violations in the window').fill('5');
    await dialog.getByLabel('Send a "resolved" notification').check();
    await dialog.getByLabel('Resolved after (minutes)').fill('20');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await dialog.waitFor({ state: 'detached' });
    const [rule] = (await h.api('GET', '/rules/app?app_name=noisy-api')).body.data.items;
    expect(rule).toMatchObject({ min_count: 5, window_minutes: 10, notify_resolved: true, resolve_after_minutes: 20 });
    expect(errors).toEqual([]);
    await page.close();
  });
});
