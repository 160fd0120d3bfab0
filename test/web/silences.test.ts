import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/alerts/channels/notifier.js';
import type { ChannelProvider } from '../../src/alerts/channels/provider.js';
import { CHANNEL_PROVIDERS, channelRegistry } from '../../src/alerts/channels/registry.js';
import { muteFormUrl } from '../../src/alerts/dashboard-link.js';
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
    await first.getByRole('button', { name: /^Mute .*…$/ }).click();
    const dialog = violations.page.getByRole('dialog', { name: 'Mute notifications' });
    await dialog.getByRole('button', { name: /^Mute (this key|the app)$/ }).click();
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

  it('fills the silence form from a chat\'s "Mute 1 h" link and creates nothing until Silence is pressed', async () => {
    const link = muteFormUrl(`${h.url}/`, 'checkout-api', 'POST /pay')!;
    const before = (await h.api('GET', '/silences')).body.data.total;
    const { page, errors } = await open(link.slice(h.url.length));
    const form = page.getByRole('form', { name: 'New silence' });
    await form.getByTestId('silence-prefilled').waitFor();
    expect(await form.getByLabel('App name').inputValue()).toBe('checkout-api');
    expect(await form.getByLabel('Message key').inputValue()).toBe('POST /pay');
    expect(await form.getByLabel('For').inputValue()).toBe('60');
    expect((await h.api('GET', '/silences')).body.data.total).toBe(before);
    await form.getByRole('button', { name: 'Silence' }).click();
    await eventually(async () => (await h.api('GET', '/silences')).body.data.total).toBe(before + 1);
    const [made] = (await h.api('GET', '/silences?per_page=1')).body.data.items;
    expect(made).toMatchObject({ app_name: 'checkout-api', message_key: 'POST /pay' });
    expect(Date.parse(made.ends_at) - Date.parse(made.starts_at)).toBe(60 * 60_000);
    expect(errors).toEqual([]);
    await page.close();
  });

  describe('channels from GET /channels, and Send test', () => {
    let withPigeon: WebHarness;
    let hooks: Server;
    let hookUrl: string;
    beforeAll(async () => {
      withPigeon = await startWebHarness(webRoot, {}, { channels: channelRegistry([...CHANNEL_PROVIDERS, pigeon]) });
      hooks = createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
      await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/T0AAA/${HOOK_TOKEN}`;
    });
    afterAll(async () => {
      await withPigeon?.close();
      hooks?.closeAllConnections();
      await new Promise((resolve) => hooks?.close(resolve));
    });

    it('lists a channel the server registers in the target form, the rule form and the alert log filter', async () => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${withPigeon.url}/#/targets`);
      await page.getByRole('button', { name: 'New target' }).click();
      const dialog = page.getByRole('dialog', { name: 'New target' });
      const options = await dialog.getByLabel('Channel').locator('option').allTextContents();
      expect(options).toContain('Carrier pigeon (not configured: PIGEON_LOFT)');
      await dialog.getByLabel('Channel').selectOption('carrier_pigeon');
      await dialog.getByLabel('Loft').fill('loft-7');
      await dialog.getByLabel('Name').fill('pigeons');
      await dialog.getByRole('button', { name: 'Create target' }).click();
      await dialog.waitFor({ state: 'detached' });
      const targets = (await withPigeon.api('GET', '/targets')).body.data.items;
      expect(targets).toEqual([expect.objectContaining({ type: 'carrier_pigeon', external_id: 'loft-7' })]);

      await page.goto(`${withPigeon.url}/#/rules`);
      await page.getByRole('button', { name: 'New app rule' }).click();
      await expect(page.getByRole('dialog').getByLabel('Carrier pigeon').count()).resolves.toBe(1);

      await page.goto(`${withPigeon.url}/#/alerts`);
      const filter = page.locator('label.inline-field', { hasText: 'Channel' }).locator('select');
      await eventually(async () => (await filter.locator('option').allTextContents()).includes('Carrier pigeon')).toBe(
        true,
      );
      // The same dashboard against a lagwatch without it: not offered.
      await page.goto(`${h.url}/#/alerts`);
      const plain = page.locator('label.inline-field', { hasText: 'Channel' }).locator('select');
      await eventually(async () => (await plain.locator('option').allTextContents()).includes('Webhook')).toBe(true);
      expect(await plain.locator('option').allTextContents()).not.toContain('Carrier pigeon');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('sends a test from the Targets page and shows the answer, never the secret address', async () => {
      const created = await withPigeon.api('POST', '/targets', { name: 'hook', type: 'webhook', external_id: hookUrl });
      expect(created.status).toBe(201);
      const page = await browser.context.newPage();
      await page.goto(`${withPigeon.url}/#/targets`);
      await page.getByRole('button', { name: 'Send a test to hook' }).click();
      const reply = page.getByTestId('test-reply');
      await reply.waitFor();
      expect(await reply.textContent()).toBe('Sent: 200 OK: ok');
      // A test through the pigeon's notifier fails: the reason is shown.
      await page.getByRole('button', { name: 'Send a test to pigeons' }).click();
      await eventually(async () => page.getByText('Failed: the pigeon flew off').isVisible()).toBe(true);
      expect(await page.content()).not.toContain(HOOK_TOKEN);

      // Editing keeps the hidden address unless a new one is typed.
      await page.getByRole('button', { name: 'Edit hook' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit target' });
      expect(await dialog.getByLabel('Webhook URL').inputValue()).toBe('');
      await dialog.getByLabel('Name').fill('the hook');
      await dialog.getByRole('button', { name: 'Save target' }).click();
      await dialog.waitFor({ state: 'detached' });
      const stored = await withPigeon.ctx.targets.get(created.body.data.id);
      expect(stored).toMatchObject({ name: 'the hook', external_id: hookUrl });
      await page.close();
    });
  });
});

const HOOK_TOKEN = 'Zq8sEcReT0kenPathPart9x';

/** A channel only these tests register: a new type must show up on the dashboard unchanged. */
const pigeon: ChannelProvider = {
  type: 'carrier_pigeon',
  label: 'Carrier pigeon',
  addressLabel: 'Loft',
  addressHint: 'a loft name such as loft-7',
  secretAddress: false,
  missingSetting: () => 'PIGEON_LOFT',
  addressProblem: (address) => (/^loft-\d+$/.test(address) ? undefined : 'must be a loft name such as loft-7'),
  maskAddress: (address) => address,
  preview: (n) => ({ subject: null, text: `coo: ${n.app}` }),
  createNotifier: () => ({
    send: async () => {
      throw new DeliveryError('the pigeon flew off', false);
    },
  }),
};
