import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { type SeededData, seedDemoData } from './seed.js';

// Browser globals used inside page.evaluate() callbacks (this file itself is type-checked for Node).
declare const document: {
  activeElement: { getAttribute(name: string): string | null; textContent: string | null } | null;
  documentElement: { scrollWidth: number };
};
declare function getComputedStyle(element: unknown): { color: string; backgroundColor: string };

if (chromiumMissing) console.warn(`[web/forms-and-phone] SKIPPED: ${chromiumMissing}`);

/** With LAGWATCH_UPDATE_SCREENSHOTS=1 the README's screenshots are written too (docs/screenshots/). */
const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** Schema text that must never reach a person. */
const RAW_SCHEMA_TEXT = /must (not|be|match)|fewer than|characters$|is required|>=|<=/;

interface View {
  name: string;
  width: number;
  height: number;
  colorScheme: 'light' | 'dark';
}
const DESKTOP_LIGHT: View = { name: 'desktop-light', width: 1360, height: 900, colorScheme: 'light' };
const DESKTOP_DARK: View = { name: 'desktop-dark', width: 1360, height: 900, colorScheme: 'dark' };
const PHONE_LIGHT: View = { name: 'phone-light', width: 390, height: 844, colorScheme: 'light' };
const PHONE_DARK: View = { name: 'phone-dark', width: 390, height: 844, colorScheme: 'dark' };
/** The field-error red of each scheme (--bad in styles.css). */
const ERROR_RED = { light: 'rgb(198, 40, 40)', dark: 'rgb(248, 113, 113)' };

describe.skipIf(chromiumMissing)('forms written for people, and phone width, in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let seeded: SeededData;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-forms-'));
    await buildDashboard(webRoot);
    // WEBHOOK_DENY_PRIVATE: a refusal only the server can decide (the form cannot check it first).
    h = await startWebHarness(webRoot, { WEBHOOK_DENY_PRIVATE: 'true' });
    seeded = await seedDemoData(h.ctx, h.store, { now: Date.now(), count: 600, spanMs: 40 * 60_000, seed: 7 });
    await seedAlerts(h);
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
        if (request.method() !== 'GET') sent.push(`${request.method()} ${new URL(request.url()).pathname}`);
      });
      await page.goto(`${h.url}/#/${path}`);
      await run(page, sent);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }

  /**
   * The message shown at a field (its aria-describedby note) while it is marked invalid, else ''.
   * Read through `eventually`: a field can still show the previous message until the API answers.
   */
  async function errorAt(field: Locator): Promise<string> {
    if ((await field.getAttribute('aria-invalid', { timeout: 5_000 })) !== 'true') return '';
    const id = await field.getAttribute('aria-describedby', { timeout: 5_000 });
    return (await field.page().locator(`[id="${id}"]`).textContent({ timeout: 5_000 })) ?? '';
  }

  async function screenshot(page: Page, name: string, docsName?: string) {
    await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`) });
    if (docsName && process.env.LAGWATCH_UPDATE_SCREENSHOTS === '1') {
      await page.screenshot({ path: join(DOCS_SCREENSHOTS, docsName) });
    }
  }

  // First, while the lists hold only the demo's rules (the README's phone screenshot).
  describe.each([PHONE_LIGHT, PHONE_DARK])('phone width at $name', (view) => {
    it('scrolls no page sideways, and the navigation shows every page', async () => {
      const traceId = seeded.logs[0]!.correlation_id;
      await h.api('POST', '/silences', {
        app_name: 'notifications-queue',
        message_key: 'a-very-long-message-key-that-goes-on-and-on/with/segments/and/more/segments',
        duration_minutes: 60,
        comment: 'a long comment that explains at length why this silence exists during the deploy window',
      });
      await withPage(view, '', async (page) => {
        for (const name of PAGE_NAMES) {
          await page.goto(`${h.url}/#/${name === 'trace' ? `trace/${encodeURIComponent(traceId)}` : name}`);
          await page.locator('main .card, main .empty').first().waitFor();
          await eventually(() => page.getByText('Loading…').count()).toBe(0);
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect({ page: name, width }).toEqual({ page: name, width: view.width });

          // Every link of the navigation in view and whole (not cut, not scrolled away).
          const links = page.getByRole('navigation', { name: 'Sections' }).getByRole('link');
          expect(await links.count()).toBe(PAGE_NAMES.length);
          for (const link of await links.all()) {
            const box = (await link.boundingBox())!;
            const whole = await link.evaluate((a) => a.scrollWidth <= a.clientWidth);
            expect({
              link: await link.textContent(),
              inView: box.x >= 0 && box.x + box.width <= view.width,
              whole,
            }).toEqual({ link: await link.textContent(), inView: true, whole: true });
          }
        }
        await page.goto(`${h.url}/#/rules`);
        await page.getByRole('table', { name: 'App rules' }).locator('tbody > tr').first().waitFor();
        if (view.name === 'phone-light') {
          await page.screenshot({ path: join(RESULTS_DIR, 'forms-rules-phone-light.png'), fullPage: true });
          if (process.env.LAGWATCH_UPDATE_SCREENSHOTS === '1') {
            await page.screenshot({ path: join(DOCS_SCREENSHOTS, 'dashboard-rules-phone.png'), fullPage: true });
          }
        }
      });
    });

    it("keeps the violations' Duration and Trace columns and the targets' Delete buttons in view", async () => {
      await withPage(view, 'violations', async (page) => {
        const table = page.getByRole('table', { name: 'Violations' });
        await table.locator('tbody > tr').first().waitFor();
        for (const column of ['Duration', 'Trace']) {
          const box = (await table.getByRole('columnheader', { name: column, exact: true }).boundingBox())!;
          expect({ column, right: Math.round(box.x + box.width) <= view.width }).toEqual({ column, right: true });
        }
        const trace = table.locator('tbody > tr').first().getByRole('link').first();
        const box = (await trace.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(view.width);
      });
      await withPage(view, 'targets', async (page) => {
        const buttons = page.getByRole('button', { name: /^Delete / });
        await buttons.first().waitFor();
        expect(await buttons.count()).toBeGreaterThanOrEqual(3);
        for (const button of await buttons.all()) {
          const box = (await button.boundingBox())!;
          // Whole and inside the card: nothing clipped by a scrolling table.
          const card = (await page.locator('.card').first().boundingBox())!;
          expect(box.x).toBeGreaterThanOrEqual(card.x);
          expect(box.x + box.width).toBeLessThanOrEqual(card.x + card.width);
          expect(await button.evaluate((b) => b.scrollWidth <= b.clientWidth)).toBe(true);
        }
      });
    });

    it('fits the rule dialog on the screen, its buttons in view', async () => {
      await withPage(view, 'rules', async (page) => {
        await page.getByRole('button', { name: 'New message rule' }).click();
        const dialog = page.getByRole('dialog', { name: 'New message rule' });
        await dialog.waitFor();
        const box = (await dialog.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(view.width);
        expect(box.y + box.height).toBeLessThanOrEqual(view.height);
        expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);
        const background = await dialog.evaluate((d) => getComputedStyle(d).backgroundColor);
        expect(background).toBe(view.colorScheme === 'dark' ? 'rgb(22, 27, 34)' : 'rgb(255, 255, 255)');
        // Create and Cancel are on the screen without scrolling the dialog.
        for (const name of ['Create rule', 'Cancel']) {
          const button = (await dialog.getByRole('button', { name }).boundingBox())!;
          expect({ name, inView: button.y >= 0 && button.y + button.height <= view.height }).toEqual({
            name,
            inView: true,
          });
        }
      });
    });
  });

  describe.each([DESKTOP_LIGHT, PHONE_DARK, DESKTOP_DARK, PHONE_LIGHT])('forms at $name', (view) => {
    const suffix = view.name;

    it('checks the rule form before sending and says what to enter, in words for people', async () => {
      await withPage(view, 'rules', async (page, sent) => {
        await page.getByRole('button', { name: 'New message rule' }).click();
        const dialog = page.getByRole('dialog', { name: 'New message rule' });
        await dialog.getByLabel('Max duration (ms)').fill('');
        await dialog.getByRole('button', { name: 'Create rule' }).click();

        const appName = dialog.getByLabel('App name');
        await eventually(() => errorAt(appName)).toBe('Enter an app name');
        await eventually(() => errorAt(dialog.getByLabel('Message key'))).toBe('Enter a message key');
        await eventually(() => errorAt(dialog.getByLabel('Max duration (ms)'))).toBe(
          'Enter a threshold in milliseconds',
        );
        // The first field to fix has the focus; the error is drawn in the scheme's red.
        expect(await appName.evaluate((input) => input === document.activeElement)).toBe(true);
        const red = await dialog
          .locator('.field-error')
          .first()
          .evaluate((p) => getComputedStyle(p).color);
        expect(red).toBe(ERROR_RED[view.colorScheme]);
        if (view.name === 'phone-dark')
          await screenshot(page, 'forms-rule-errors-phone-dark', 'dashboard-rule-errors.png');

        await appName.fill(`checkout-api`);
        await dialog.getByLabel('Message key').fill(`GET /form-${suffix}`);
        await dialog.getByLabel('Max duration (ms)').fill('-5');
        await dialog.getByLabel('Cooldown (minutes)').fill('1.5');
        await dialog.getByLabel('Violations in the window').fill('5');
        await dialog.getByRole('button', { name: 'Create rule' }).click();
        await eventually(() => errorAt(dialog.getByLabel('Max duration (ms)'))).toBe('Enter a threshold above 0 ms');
        await eventually(() => errorAt(dialog.getByLabel('Cooldown (minutes)'))).toBe(
          'Enter a whole number of minutes',
        );
        await eventually(() => errorAt(dialog.getByLabel('Count window (minutes)'))).toBe(
          'Set a count window of at least 1 minute to count 5 violations in',
        );
        expect(await dialog.getByLabel('App name').getAttribute('aria-invalid')).toBe('false');
        expect(await dialog.locator('.field-error').allTextContents()).not.toContainEqual(
          expect.stringMatching(RAW_SCHEMA_TEXT),
        );
        expect(sent).toEqual([]); // nothing was sent while the form had a problem

        await dialog.getByLabel('Max duration (ms)').fill('400');
        await dialog.getByLabel('Cooldown (minutes)').fill('2');
        await dialog.getByLabel('Count window (minutes)').fill('10');
        await dialog.getByRole('button', { name: 'Create rule' }).click();
        await dialog.waitFor({ state: 'detached' });
        expect(sent).toEqual(['POST /rules/message']);
        const listed = (await h.api('GET', `/rules/message?app_name=checkout-api&per_page=500`)).body.data.items;
        expect(listed.find((r: { message_key: string }) => r.message_key === `GET /form-${suffix}`)).toMatchObject({
          max_duration: 400,
          cooldown_minutes: 2,
          min_count: 5,
          window_minutes: 10,
        });
      });
    });

    it("shows a refusal only the API can decide at its field, in words, and the API's 409 at the name", async () => {
      await withPage(view, 'targets', async (page) => {
        await page.getByRole('button', { name: 'New target' }).click();
        const dialog = page.getByRole('dialog', { name: 'New target' });
        await dialog.getByLabel('Name', { exact: true }).fill(`hook-${suffix}`);
        await dialog.getByLabel('Channel').selectOption('webhook');
        const address = dialog.getByLabel('Webhook URL');
        await address.fill('localhost:8080/hook');
        await dialog.getByRole('button', { name: 'Create target' }).click();
        await eventually(() => errorAt(address)).toBe('Enter an http:// or https:// URL');

        // The same check as the server's, so the API's own answer for a private address is the test here.
        await address.fill('http://127.0.0.1:9/hook');
        const api = await h.api('POST', '/targets', {
          name: 'x',
          type: 'webhook',
          external_id: 'http://127.0.0.1:9/hook',
        });
        expect(api.status).toBe(422);
        const raw = api.body.error.details[0];
        expect(raw).toMatchObject({ field: 'external_id', message: expect.stringMatching(/^is refused: /) });
        await dialog.getByRole('button', { name: 'Create target' }).click();
        await eventually(() => errorAt(address)).toBe(
          `This address is refused: ${raw.message.replace(/^is refused: /, '')}`,
        );

        // A name that exists: the API answers 409, shown at the name.
        await dialog.getByLabel('Name', { exact: true }).fill('On-call engineers');
        await address.fill('https://hooks.example.com/form');
        await dialog.getByRole('button', { name: 'Create target' }).click();
        await eventually(() => errorAt(dialog.getByLabel('Name', { exact: true }))).toBe(
          'There is already a target named On-call engineers: choose another name',
        );
        expect(await dialog.isVisible()).toBe(true);
      });
    });

    it('shows a duplicate rule as an error at the field that makes it one', async () => {
      const before = (await h.api('GET', '/rules/app')).body.data.total;
      await withPage(view, 'rules', async (page, sent) => {
        await page.getByRole('button', { name: 'New app rule' }).click();
        const dialog = page.getByRole('dialog', { name: 'New app rule' });
        await dialog.getByLabel('App name').fill('checkout-api'); // the demo has an app rule for it
        await dialog.getByLabel('Max duration (ms)').fill('900');
        await dialog.getByRole('button', { name: 'Create rule' }).click();
        await eventually(() => errorAt(dialog.getByLabel('App name'))).toBe(
          'There is already an app rule for checkout-api: edit that one instead',
        );
        expect(sent).toEqual(['POST /rules/app']);
        await dialog.getByRole('button', { name: 'Cancel' }).click();

        await page.getByRole('button', { name: 'New message rule' }).click();
        const message = page.getByRole('dialog', { name: 'New message rule' });
        await message.getByLabel('App name').fill('checkout-api');
        await message.getByLabel('Message key').fill('POST /checkout'); // a demo message rule
        await message.getByLabel('Max duration (ms)').fill('900');
        await message.getByRole('button', { name: 'Create rule' }).click();
        await eventually(() => errorAt(message.getByLabel('Message key'))).toBe(
          'There is already a rule for POST /checkout of checkout-api: edit that one instead',
        );
        expect(await message.getByLabel('App name').getAttribute('aria-invalid')).toBe('false');
      });
      expect((await h.api('GET', '/rules/app')).body.data.total).toBe(before);
    });

    it('suggests the apps seen in the logs and warns about a name never seen, without refusing it', async () => {
      const to = new Date();
      const from = new Date(to.getTime() - 7 * 86_400_000);
      const overview = await h.api('GET', `/dashboard/overview?from=${from.toISOString()}&to=${to.toISOString()}`);
      const seenApps: string[] = overview.body.data.active_apps.apps;
      expect(seenApps.sort()).toEqual([...new Set(seeded.logs.map((l) => l.app_name))].sort());

      await withPage(view, 'rules', async (page) => {
        await page.getByRole('button', { name: 'New app rule' }).click();
        const dialog = page.getByRole('dialog', { name: 'New app rule' });
        const appName = dialog.getByLabel('App name');
        const listId = await appName.getAttribute('list');
        const options = page.locator(`datalist[id="${listId}"] option`);
        await eventually(() => options.count()).toBe(seenApps.length);
        expect(
          (await options.evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))).sort(),
        ).toEqual(seenApps.sort());

        const unseen = `billing-${suffix}`;
        await appName.fill(unseen);
        const noteId = await appName.getAttribute('aria-describedby');
        const note = page.locator(`[id="${noteId}"]`);
        expect(await note.getAttribute('class')).toBe('field-warning');
        expect(await note.textContent()).toBe(
          `No log of "${unseen}" in the last 7 days: check the spelling (it can still be saved).`,
        );
        await appName.fill(seenApps[0]!);
        expect(await appName.getAttribute('aria-describedby')).toBeNull();

        await appName.fill(unseen);
        await dialog.getByLabel('Max duration (ms)').fill('250');
        await dialog.getByRole('button', { name: 'Create rule' }).click();
        await dialog.waitFor({ state: 'detached' });
        expect((await h.api('GET', `/rules/app?app_name=${unseen}`)).body.data.total).toBe(1);
      });
    });

    it('flags a channel that no active target receives, on the Rules and Targets pages', async () => {
      const app = `pager-${suffix}`;
      const created = await h.api('POST', '/rules/app', {
        app_name: app,
        max_duration: 100,
        alert_channels: ['telegram_group', 'email'],
      });
      expect(created.status).toBe(201);
      // Stays flagged throughout (no test adds a Telegram chat target): proof that the targets are loaded.
      const witness = await h.api('POST', '/rules/app', {
        app_name: `chat-${suffix}`,
        max_duration: 100,
        alert_channels: ['telegram_chat'],
      });
      let groupTarget: number | undefined;
      try {
        await withPage(view, 'rules', async (page) => {
          const row = page.getByRole('table', { name: 'App rules' }).locator('tbody > tr', { hasText: app });
          await row.waitFor();
          // Telegram group has no target at all; email has an active one (the demo's).
          await eventually(() => row.getByTestId('no-target').count()).toBe(1);
          expect(await row.getByTestId('no-target').textContent()).toContain(
            'No active telegram group target. It goes only to TELEGRAM_GROUP_ID, if that is set.',
          );
          const other = page
            .getByRole('table', { name: 'App rules' })
            .locator('tbody > tr', { hasText: 'checkout-api' });
          expect(await other.getByTestId('no-target').count()).toBe(0);

          await page.getByRole('button', { name: `Edit ${app}` }).click();
          const dialog = page.getByRole('dialog', { name: 'Edit app rule' });
          expect(await dialog.getByTestId('no-target').count()).toBe(1);
          await dialog.getByLabel('Webhook').check(); // the demo's webhook target is active
          expect(await dialog.getByTestId('no-target').count()).toBe(1);
          await dialog.getByLabel('Telegram group').uncheck();
          expect(await dialog.getByTestId('no-target').count()).toBe(0);
          await dialog.getByRole('button', { name: 'Cancel' }).click();

          await page.getByRole('link', { name: 'Targets' }).click();
          const note = page.getByTestId('uncovered-channels');
          await eventually(() => note.textContent()).toContain('No active telegram group target.');
          expect(await note.textContent()).toMatch(/\d+ active rules? sends? to it/);
          if (view.name === 'phone-light') await screenshot(page, 'forms-targets-phone-light');

          // Once a group target is active, the flags go.
          groupTarget = (
            await h.api('POST', '/targets', { name: `group-${suffix}`, type: 'telegram_group', external_id: '-100123' })
          ).body.data.id;
          await page.reload();
          await eventually(() => note.textContent()).toContain('No active telegram chat target.');
          expect(await note.textContent()).not.toContain('telegram group');
          await page.getByRole('link', { name: 'Rules' }).click();
          const chatRow = page
            .getByRole('table', { name: 'App rules' })
            .locator('tbody > tr', { hasText: `chat-${suffix}` });
          await eventually(() => chatRow.getByTestId('no-target').count()).toBe(1);
          expect(await row.getByTestId('no-target').count()).toBe(0);
        });
      } finally {
        if (groupTarget !== undefined) await h.api('DELETE', `/targets/${groupTarget}`);
        await h.api('DELETE', `/rules/app/${created.body.data.id}`);
        await h.api('DELETE', `/rules/app/${witness.body.data.id}`);
      }
    });

    it('gives the focus back to the button that opened a dialog, after Escape, Cancel and saving', async () => {
      const focused = (page: Page) =>
        page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent);
      await withPage(view, 'rules', async (page) => {
        const opener = page.getByRole('button', { name: 'New app rule' });
        await opener.click();
        const dialog = page.getByRole('dialog', { name: 'New app rule' });
        await dialog.waitFor();
        expect(await focused(page)).not.toBe('New app rule'); // the dialog holds it meanwhile
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
        expect(await focused(page)).toBe('New app rule');

        const edit = page.getByRole('button', { name: 'Edit search-service', exact: true });
        await edit.click();
        await page.getByRole('dialog', { name: 'Edit app rule' }).getByRole('button', { name: 'Cancel' }).click();
        expect(await focused(page)).toBe('Edit search-service');

        await edit.click();
        const editDialog = page.getByRole('dialog', { name: 'Edit app rule' });
        await editDialog.getByRole('button', { name: 'Save rule' }).click();
        await editDialog.waitFor({ state: 'detached' });
        expect(await focused(page)).toBe('Edit search-service');
      });
      await withPage(view, 'targets', async (page) => {
        await page.getByRole('button', { name: 'New target' }).click();
        await page.getByRole('dialog', { name: 'New target' }).getByRole('button', { name: 'Close' }).click();
        expect(await focused(page)).toBe('New target');
      });
    });
  });
});

/** A few alert-log rows, so that the Alerts page has a table at phone width. */
async function seedAlerts(h: WebHarness): Promise<void> {
  const now = Date.now();
  await h.ctx.state.db
    .insertInto('alert_log')
    .values(
      [0, 1, 2].map((i) => ({
        rule_type: 'app' as const,
        rule_id: 1,
        app_name: 'checkout-api',
        message_key: i === 2 ? 'POST /checkout/with/a/rather/long/path/segment' : null,
        channel: i === 1 ? 'webhook' : 'email',
        destination: i === 1 ? 'https://hooks.example.com/lagwatch/a/long/path' : 'oncall@example.com',
        target_id: null,
        status: i === 1 ? ('failed' as const) : ('sent' as const),
        attempts: i + 1,
        next_attempt_at: now,
        last_error: i === 1 ? 'HTTP 500 from the webhook' : null,
        violation_count: i + 3,
        payload: '{}',
        created_at: now - i * 60_000,
        updated_at: now - i * 60_000,
        sent_at: i === 1 ? null : now - i * 60_000 + 10,
      })),
    )
    .execute();
}
