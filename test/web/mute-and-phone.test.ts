import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Insertable } from 'kysely';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertLogTable } from '../../src/db/schema.js';
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
import { seedDemoData } from './seed.js';

if (chromiumMissing) console.warn(`[web/mute-and-phone] SKIPPED: ${chromiumMissing}`);

const DOCS_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const LONG_KEY = 'POST /api/v2/organisations/{organisation_id}/invoices.export_to_spreadsheet:async';
const REASON = 'below count: 2 of 5 violations in the last 10 min';
const LAYOUTS = [
  ['desktop', { width: 1360, height: 900 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describe.skipIf(chromiumMissing)('muting from a row, the Silences page and phone-width tables in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const errors: string[] = [];
  let messageRuleId: number;
  let alertIds: Record<string, number>;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-mute-phone-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    const now = Date.now();
    await seedDemoData(h.ctx, h.store, { now, count: 300, spanMs: 30 * 60_000, seed: 11 });
    const appRule = (await h.api('GET', '/rules/app?app_name=checkout-api')).body.data.items[0];
    const messageRule = (await h.api('GET', '/rules/message?app_name=checkout-api')).body.data.items.find(
      (r: { message_key: string }) => r.message_key === 'POST /checkout',
    );
    messageRuleId = messageRule.id;
    // The slowest violations of the range: one of the message rule, one of the app rule with a long key.
    const violation = (
      id: string,
      over: {
        rule_type: 'app' | 'message';
        rule_id: number;
        message_key: string;
        duration_ms: number;
        threshold_ms?: number;
      },
    ) => ({
      dedupe_key: createHash('sha256').update(id).digest('hex'),
      source_id: id,
      app_name: 'checkout-api',
      threshold_ms: 250,
      log_time: now - 60_000,
      correlation_id: `trace-${id}`,
      level: 'warn',
      message: 'served slowly',
      created_at: now - 55_000,
      ...over,
    });
    await h.ctx.state.db
      .insertInto('violations')
      .values([
        violation('mute-key', {
          rule_type: 'message',
          rule_id: messageRule.id,
          message_key: 'POST /checkout',
          duration_ms: 48_000,
          threshold_ms: messageRule.max_duration,
        }),
        violation('long-key', { rule_type: 'app', rule_id: appRule.id, message_key: LONG_KEY, duration_ms: 59_000 }),
      ])
      .execute();
    const alert = (minutesAgo: number, over: Partial<Insertable<AlertLogTable>>): Insertable<AlertLogTable> => ({
      rule_type: 'message',
      rule_id: messageRule.id,
      app_name: 'checkout-api',
      message_key: LONG_KEY,
      channel: 'webhook',
      destination: 'https://hooks.example.com/lagwatch',
      target_id: null,
      status: 'suppressed',
      attempts: 0,
      next_attempt_at: now - minutesAgo * 60_000,
      last_error: REASON,
      violation_count: 2,
      payload: '{}',
      created_at: now - minutesAgo * 60_000,
      updated_at: now - minutesAgo * 60_000,
      sent_at: null,
      ...over,
    });
    alertIds = await insertAlertRows(h.ctx.state.db, {
      suppressed: alert(1, {}),
      pending: alert(2, {
        status: 'pending',
        attempts: 1,
        last_error: 'HTTP 503',
        next_attempt_at: now + 5 * 60_000,
      }),
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  async function open(layout: { width: number; height: number }, path: string): Promise<void> {
    await page.setViewportSize(layout);
    // A fresh document each time: no state of the last test carried over.
    await page.goto('about:blank');
    await page.goto(`${h.url}/#/${path}`);
  }

  const activeSilences = async () => (await h.api('GET', '/silences?active=true&per_page=500')).body.data.items;

  /** Every active silence ended, so each test starts with none. */
  async function expireAll(): Promise<void> {
    for (const s of await activeSilences()) await h.api('DELETE', `/silences/${s.id}`);
  }

  /** Where each line of a key's text starts: [piece index, offset in the piece] of its first character. */
  const lineStarts = (code: Locator) =>
    code.evaluate((element) => {
      const starts: [number, number][] = [];
      const pieces = [...element.childNodes].filter((n) => n.nodeType === 3 /* text */);
      let lastTop: number | undefined;
      pieces.forEach((node, piece) => {
        const text = node.textContent ?? '';
        for (let offset = 0; offset < text.length; offset++) {
          if (text[offset] === ' ') continue;
          const range = element.ownerDocument.createRange();
          range.setStart(node, offset);
          range.setEnd(node, offset + 1);
          const top = range.getClientRects()[0]?.top;
          if (top === undefined) continue;
          if (lastTop === undefined || top > lastTop + 4) starts.push([piece, offset]);
          lastTop = top;
        }
      });
      return starts;
    });

  describe.each(LAYOUTS)('at %s width', (name, layout) => {
    it('the Mute dialog names its scope; muting the key makes a key silence, the row says so, Undo ends it', async () => {
      await expireAll();
      await open(layout, `violations?rule=message:${messageRuleId}&sort=-duration`);
      const row = page.locator('tbody > tr[data-id]').first();
      await row.waitFor();
      expect(await row.locator('.vt-key').textContent()).toBe('POST /checkout');
      // At phone width Mute sits in the row's details: a tap on the row opens them.
      let place = row;
      if (name === 'phone') {
        expect(await row.getByRole('button', { name: /^Mute / }).isVisible()).toBe(false);
        await row.locator('.vt-key').click();
        place = page.getByTestId('violation-detail');
        await place.waitFor();
      }
      await place.getByRole('button', { name: 'Mute checkout-api / POST /checkout…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Mute notifications' });
      await dialog.waitFor();
      const onlyKey = dialog.getByRole('radio', { name: /^Only this key: checkout-api \/ POST \/checkout/ });
      const wholeApp = dialog.getByRole('radio', { name: /^The whole app: checkout-api/ });
      expect(await onlyKey.isChecked()).toBe(true);
      expect(await wholeApp.isChecked()).toBe(false);
      const summary = dialog.getByTestId('mute-summary');
      expect(await summary.textContent()).toMatch(
        /^Notifications of checkout-api \/ POST \/checkout are held back until .+ \(in 1 h\)\. /,
      );
      await wholeApp.check();
      expect(await summary.textContent()).toMatch(/^Notifications of checkout-api \(the whole app\) are held back/);
      await onlyKey.check();
      await dialog.getByLabel('For').selectOption('120');
      expect(await summary.textContent()).toContain('(in 2 h)');
      const box = (await dialog.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(layout.width);
      await page.screenshot({ path: join(RESULTS_DIR, `mute-dialog-${name}.png`) });
      if (name === 'phone' && process.env.LAGWATCH_UPDATE_SCREENSHOTS === '1') {
        await page.screenshot({ path: join(DOCS_SCREENSHOTS, 'mute-dialog-phone.png') });
      }
      expect(await activeSilences()).toEqual([]); // nothing made before the user confirms
      await dialog.getByRole('button', { name: 'Mute this key' }).click();
      await dialog.waitFor({ state: 'detached' });

      await eventually(async () => (await activeSilences()).length).toBe(1);
      const [silence] = await activeSilences();
      expect(silence).toMatchObject({
        app_name: 'checkout-api',
        message_key: 'POST /checkout',
        created_by: 'dashboard',
      });
      expect(Date.parse(silence.ends_at) - Date.parse(silence.starts_at)).toBe(120 * 60_000);

      const note = place.getByTestId('muted-note');
      await eventually(() => note.textContent()).toMatch(/^muted key until .+ \(in (1 h 59 min|2 h)\)Undo$/);
      await page.screenshot({ path: join(RESULTS_DIR, `mute-${name}.png`) });
      await note.getByRole('button', { name: 'Undo: unmute checkout-api / POST /checkout' }).click();
      await eventually(async () => (await activeSilences()).length).toBe(0);
      const ended = (await h.api('GET', `/silences/${silence.id}`)).body.data;
      expect(Date.parse(ended.ends_at)).toBeLessThanOrEqual(Date.now());
      await eventually(() => place.getByRole('button', { name: /^Mute / }).isVisible()).toBe(true);
      expect(errors).toEqual([]);
    });

    it('a row an active silence covers says "muted until" with Unmute; a key silence leaves the app rule rows alone', async () => {
      await expireAll();
      const made = await h.api('POST', '/silences', {
        app_name: 'checkout-api',
        message_key: 'POST /checkout',
        duration_minutes: 60,
      });
      expect(made.status).toBe(201);
      await open(layout, 'violations?app=checkout-api&sort=-duration');
      const rows = page.locator('tbody > tr[data-id]');
      await rows.nth(1).waitFor();
      // The slowest is the app rule's (long key): its notifications are not held back by a key silence.
      const [appRow, keyRow] = [rows.nth(0), rows.nth(1)];
      /** The row's muted note: in the row on a desktop, in its details (opened by a tap) on a phone. */
      const noteOf = async (row: Locator) => {
        if (name === 'desktop') return row.getByTestId('muted-note');
        await row.locator('td').nth(2).click();
        const detail = page.getByTestId('violation-detail');
        await detail.waitFor();
        return detail.getByTestId('muted-note');
      };
      expect(await appRow.locator('.vt-key').textContent()).toBe(LONG_KEY);
      const appNote = await noteOf(appRow);
      await eventually(() => page.getByRole('button', { name: /^Mute checkout-api \/ POST \/api/ }).count()).toBe(1);
      expect(await appNote.count()).toBe(0);
      expect(await keyRow.locator('.vt-key').textContent()).toBe('POST /checkout');
      const keyNote = await noteOf(keyRow);
      await eventually(() => keyNote.textContent()).toMatch(/^muted key until .+ \(in 59 min\)Unmute$/);
      await keyNote.getByRole('button', { name: 'Unmute checkout-api / POST /checkout' }).click();
      await eventually(async () => (await activeSilences()).length).toBe(0);
      await eventually(() => keyNote.count()).toBe(0);
      expect(errors).toEqual([]);
    });

    it('lists active silences first with future times "in …", and keeps the never-seen warning after an error', async () => {
      await expireAll();
      await h.api('POST', '/silences', { app_name: 'payments-worker', duration_minutes: 60, comment: 'deploy' });
      const ended = (await h.api('POST', '/silences', { app_name: 'search-service', duration_minutes: 30 })).body.data;
      await h.api('DELETE', `/silences/${ended.id}`);
      // Created last, so first in the API's newest-first order: the page still lists it after the active one.
      const soon = Date.now() + 3 * 3600_000;
      await h.api('POST', '/silences', {
        app_name: 'search-service',
        starts_at: new Date(soon).toISOString(),
        duration_minutes: 30,
      });
      await open(layout, 'silences');
      const active = page.getByTestId('silences-active');
      const other = page.getByTestId('silences-other');
      await active.locator('tr[data-silence-id]').first().waitFor();
      await other.locator('tr[data-silence-id]').nth(1).waitFor();
      expect(await active.locator('tr[data-silence-id]').count()).toBe(1);
      expect(await active.getByTestId('silence-relative').textContent()).toBe('in 59 min');
      const [future, past] = await other.getByTestId('silence-relative').allTextContents();
      expect(future).toBe('starts in 2 h 59 min');
      expect(past).toMatch(/^ended (just now|\d+ s ago)$/);
      const y = async (l: Locator) => (await l.boundingBox())!.y;
      expect(await y(active)).toBeLessThan(await y(other));
      // The list before the form, on a phone and on a desktop.
      const form = page.getByRole('form', { name: 'New silence' });
      expect(await y(active)).toBeLessThan(await y(form));

      // The form's three inputs on one line on a desktop, one above the other on a phone.
      const inputs = [form.getByLabel('App name'), form.getByLabel('Message key'), form.getByLabel('For')];
      const tops = await Promise.all(inputs.map(y));
      const lefts = await Promise.all(inputs.map(async (l) => (await l.boundingBox())!.x));
      const heights = await Promise.all(inputs.map(async (l) => (await l.boundingBox())!.height));
      expect(new Set(heights.map(Math.round)).size).toBe(1);
      if (name === 'desktop') expect(new Set(tops.map(Math.round)).size).toBe(1);
      else expect(new Set(lefts.map(Math.round)).size).toBe(1);

      // An empty app name: its error. Typed in, the error goes and the never-seen warning shows.
      await form.getByRole('button', { name: 'Silence' }).click();
      const appName = form.getByLabel('App name');
      await eventually(() => appName.getAttribute('aria-invalid')).toBe('true');
      await form.getByLabel('Message key').fill('x'); // another field's edit keeps the app's error
      expect(await appName.getAttribute('aria-invalid')).toBe('true');
      await appName.fill('never-logged-app');
      expect(await appName.getAttribute('aria-invalid')).toBe('false');
      const warning = form.locator('.field-warning');
      await eventually(() => warning.textContent()).toMatch(/^No log of "never-logged-app" in the last/);
      const inputTopsAfter = await Promise.all(inputs.map(y));
      if (name === 'desktop') expect(new Set(inputTopsAfter.map(Math.round)).size).toBe(1);
      await page.screenshot({ path: join(RESULTS_DIR, `silences-${name}.png`), fullPage: true });
      expect(errors).toEqual([]);
    });

    it('keeps the sorted column in view, and says when a pending retry is due and why a row was not sent', async () => {
      await open(layout, '?sort=-max_ms');
      const worst = page.getByRole('columnheader', { name: 'Worst' });
      await worst.waitFor();
      expect(await worst.getAttribute('aria-sort')).toBe('descending');
      expect(await worst.isVisible()).toBe(true);
      const box = (await worst.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(layout.width);
      const firstWorst = page.getByRole('table', { name: 'Apps' }).locator('tbody > tr').first().locator('td').nth(3);
      expect(await firstWorst.isVisible()).toBe(true);
      if (name === 'phone') {
        // Not sorted by it, Rate stays hidden on a phone.
        expect(await page.getByRole('columnheader', { name: 'Rate' }).isVisible()).toBe(false);
      }

      await open(layout, 'violations?app=checkout-api&sort=-duration');
      const duration = page.getByRole('columnheader', { name: /^Duration/ });
      await duration.waitFor();
      expect(await duration.getAttribute('aria-sort')).toBe('descending');
      const durationBox = (await duration.boundingBox())!;
      expect(durationBox.x + durationBox.width).toBeLessThanOrEqual(layout.width);

      await open(layout, 'alerts');
      const suppressed = page.locator(`tr[data-alert-id="${alertIds.suppressed}"]`);
      await suppressed.waitFor();
      const reason = suppressed.getByText(REASON, { exact: true }).filter({ visible: true });
      expect(await reason.count()).toBe(1);
      const reasonBox = (await reason.boundingBox())!;
      expect(reasonBox.x + reasonBox.width).toBeLessThanOrEqual(layout.width);
      const pending = page.locator(`tr[data-alert-id="${alertIds.pending}"]`).getByTestId('alert-pending');
      expect(await pending.textContent()).toMatch(/^1 attempt · next retry .+ \(in 4 min\)$/);
      expect(errors).toEqual([]);
    });

    it('wraps long keys at their separators, never mid-word, and a tapped row opens every column', async () => {
      await open(layout, 'violations?app=checkout-api&sort=-duration');
      const row = page.locator('tbody > tr[data-id]').first();
      const code = row.locator('.vt-key code');
      await code.waitFor();
      expect(await code.textContent()).toBe(LONG_KEY);
      const starts = await lineStarts(code);
      // Every line starts at a piece (after a <wbr>), never inside one.
      expect(starts.every(([, offset]) => offset === 0)).toBe(true);
      if (name === 'phone') expect(starts.length).toBeGreaterThan(1);
      expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);

      // A tap on the row (not on a link) opens its details: every column, the whole trace id.
      await row.locator('td').nth(3).click();
      const detail = page.getByTestId('violation-detail');
      await detail.waitFor();
      expect(await detail.locator('dt').allTextContents()).toEqual([
        'Time',
        'App',
        'Message key',
        'Duration',
        'Threshold',
        'Rule',
        'Level',
        'Trace',
        'Message',
        'Notifications',
      ]);
      expect(await detail.getByRole('link', { name: 'trace-long-key' }).isVisible()).toBe(true);
      expect(await detail.locator('dd').nth(5).textContent()).toMatch(/^app rule #\d+$/);
      await row.getByRole('button', { expanded: true }).click();
      await detail.waitFor({ state: 'detached' });

      await open(layout, 'alerts');
      const alertRow = page.locator(`tr[data-alert-id="${alertIds.suppressed}"]`);
      await alertRow.waitFor();
      const alertKey = alertRow.locator('code.key-text');
      const alertStarts = await lineStarts(alertKey);
      expect(alertStarts.every(([, offset]) => offset === 0)).toBe(true);
      if (name === 'phone') expect(alertStarts.length).toBeGreaterThan(1);
      await alertRow.locator('td').nth(1).click();
      await eventually(() => page.locator('.alert-facts').first().textContent()).toContain('Destination');
      await page.screenshot({ path: join(RESULTS_DIR, `alert-log-row-${name}.png`), fullPage: true });
      expect(errors).toEqual([]);
    });
  });
});
