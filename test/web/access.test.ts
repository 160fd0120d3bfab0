import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
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
import { seedDemoData } from './seed.js';

if (chromiumMissing) console.warn(`[web/access] SKIPPED: ${chromiumMissing}`);

const API_TOKEN = 'access-browser-test-token';

/**
 * Every control that changes something, by its accessible name: what a read token must never
 * see, and what a write token does see (so the same query can fail).
 */
const EDIT_CONTROL = /^(New |Edit |Delete |Active |Send test|Mute |Expire$|Silence$|Create |Revoke )/;

async function editControls(page: Page): Promise<string[]> {
  const names = await page.evaluate<string[]>(`[
    ...[...document.querySelectorAll('main button')].map((b) => b.getAttribute('aria-label') ?? b.textContent ?? ''),
    ...[...document.querySelectorAll('main .switch input')].map(() => 'Active switch'),
    ...[...document.querySelectorAll('main form[aria-label="New silence"], main form[aria-label="New token"]')].map(
      (form) => form.getAttribute('aria-label'),
    ),
  ]`);
  return names.map((n) => n.trim()).filter((n) => EDIT_CONTROL.test(n));
}

describe.skipIf(chromiumMissing)('access in the dashboard: sign-in, scopes, tokens, audit (Chromium)', () => {
  let webRoot: string;
  let h: WebHarness;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const secrets: Record<string, string> = {};
  let sloId = 0;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-access-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot, { API_TOKEN });
    await seedDemoData(h.ctx, h.store, { now: Date.now(), count: 300, spanMs: 30 * 60_000, seed: 5 });
    for (const [name, scope] of [
      ['viewer', 'read'],
      ['oncall', 'write'],
      ['lead', 'admin'],
    ]) {
      const created = await h.api('POST', '/tokens', { name, scope });
      expect(created.status).toBe(201);
      secrets[name] = created.body.data.token;
    }
    expect((await h.api('POST', '/silences', { app_name: 'checkout-api', duration_minutes: 60 })).status).toBe(201);
    const slo = await h.api('POST', '/rules/slo', {
      name: 'checkout within 500 ms',
      app_name: 'checkout-api',
      threshold_ms: 500,
      objective: 99,
      alert_channels: ['webhook'],
    });
    expect(slo.status).toBe(201);
    sloId = slo.body.data.id;
    browser = await launchBrowser();
    mkdirSync(RESULTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  /** A new tab (its own session storage) on `path`, recording every URL it asks for. */
  async function open(path: string, server: WebHarness = h) {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const urls: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(`${server.url}${path}`);
    return { page, errors, urls };
  }

  const promptOf = (page: Page) => page.getByRole('dialog', { name: 'Sign in to lagwatch' });
  async function submitToken(page: Page, secret: string) {
    await promptOf(page).getByLabel('Access token').fill(secret);
    await promptOf(page).getByRole('button', { name: 'Sign in' }).click();
  }
  /** Signs in with a token that is accepted. */
  async function signIn(page: Page, secret: string) {
    await submitToken(page, secret);
    await promptOf(page).waitFor({ state: 'detached' });
  }

  const signedIn = (page: Page) => page.getByTestId('signed-in').textContent();
  const stored = (page: Page) =>
    page.evaluate<{ session: string; local: string }>(
      '({ session: JSON.stringify({ ...sessionStorage }), local: JSON.stringify({ ...localStorage }) })',
    );
  const go = (page: Page, hash: string) => page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);

  it('signs in with API_TOKEN, signs out, and a read token sees no edit control on any page', async () => {
    const { page, errors, urls } = await open('/');
    await eventually(() => page.getByTestId('sign-in-reason').textContent()).toContain('needs an access token');
    await signIn(page, API_TOKEN);
    await eventually(() => page.getByTestId('stat-total-logs').textContent()).toBe('300');
    await eventually(() => page.locator('.live-live').count()).toBe(1);
    await eventually(() => signedIn(page)).toMatch(/API_TOKEN\s*admin/);
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Tokens' }).count()).toBe(
      1,
    );

    await page.getByRole('button', { name: 'Sign out' }).click();
    await eventually(() => page.getByTestId('sign-in-reason').textContent()).toContain('Signed out');
    expect(await page.getByTestId('stat-total-logs').count()).toBe(0); // nothing of the last token stays shown
    expect((await stored(page)).session).not.toContain(API_TOKEN);

    await signIn(page, secrets.viewer!);
    await eventually(() => signedIn(page)).toMatch(/viewer\s*read/);
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByTestId('read-only').textContent()).toBe(
      'Signed in with a read token: changes need a write token.',
    );
    expect(await page.getByRole('link', { name: 'Tokens' }).count()).toBe(0);

    // Each page once its list has loaded: not one control that changes something.
    const pages: [string, string][] = [
      ['rules', 'table[aria-label="App rules"] tbody tr'],
      ['targets', 'table[aria-label="Alert targets"] tbody tr'],
      ['silences', 'table[aria-label="Silences"] tbody tr'],
      ['violations', 'tr[data-id]'],
      [`slos?rule=slo:${sloId}`, '[data-testid="slo-detail"]'],
    ];
    for (const [name, loaded] of pages) {
      await go(page, `#/${name}`);
      await page.locator(loaded).first().waitFor();
      expect({ page: name, controls: await editControls(page) }).toEqual({ page: name, controls: [] });
    }
    await go(page, '#/tokens');
    await eventually(() => page.locator('main').textContent()).toContain('Tokens are managed with an admin token');

    const { session, local } = await stored(page);
    expect(session).toContain(secrets.viewer);
    expect(local).not.toContain(secrets.viewer);
    expect(urls.filter((url) => url.includes(secrets.viewer!) || url.includes(API_TOKEN))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a write token edits (no Tokens page); the Audit page lists the change by its actor, with the field changed', async () => {
    const { page, errors } = await open('/#/rules');
    await signIn(page, secrets.oncall!);
    await eventually(() => signedIn(page)).toMatch(/oncall\s*write/);
    const appRules = page.getByRole('table', { name: 'App rules' });
    await appRules.locator('.switch input').first().waitFor();
    expect(await editControls(page)).toContain('New app rule');
    expect(await page.getByRole('link', { name: 'Tokens' }).count()).toBe(0);
    expect(await page.getByTestId('read-only').count()).toBe(0);

    const ruleName = (await appRules.locator('tbody tr').first().locator('td').first().textContent())?.trim() ?? '';
    const rule = (await h.api('GET', `/rules/app?app_name=${encodeURIComponent(ruleName)}`)).body.data.items[0];
    expect(rule.is_active).toBe(true);
    await appRules.locator('.switch input').first().click();
    await eventually(async () => (await h.api('GET', `/rules/app/${rule.id}`)).body.data.is_active).toBe(false);

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit' }).click();
    const first = page.getByTestId('audit-row').first();
    await eventually(() => first.textContent()).toContain('token:oncall');
    expect(await first.textContent()).toMatch(new RegExp(`update\\s*app rule #${rule.id}`));
    await first.getByRole('button').click();
    const diff = page.getByRole('table', { name: `Changes of rule app:${rule.id}` });
    expect(await diff.locator('tbody th, tbody td').allTextContents()).toEqual(['is_active', 'true', 'false']);

    // Filters live in the URL; the changes of the setup (tokens made with API_TOKEN) are by another actor.
    await page.getByRole('form', { name: 'Audit filters' }).getByLabel('Entity').selectOption('token');
    await eventually(() => page.getByTestId('audit-row').count()).toBe(3);
    expect(await page.getByTestId('audit-row').first().textContent()).toContain('api_token');
    await page.getByRole('form', { name: 'Audit filters' }).getByLabel('Actor').fill('token:oncall');
    await page.getByRole('button', { name: 'Filter' }).click();
    await eventually(() => page.getByText('No change matches these filters.').count()).toBe(1);
    expect(new URL(page.url()).hash).toBe('#/audit?entity=token&actor=token%3Aoncall');

    // Phone width: the log fits the screen, its rows still open.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${h.url}/#/audit?actor=token%3Aoncall`);
    await page.reload(); // a fresh load: no row open yet
    await page.getByTestId('audit-row').first().getByRole('button').click();
    await page.getByRole('table', { name: `Changes of rule app:${rule.id}` }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(
      0,
    );
    await page.screenshot({ path: join(RESULTS_DIR, 'access-audit-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the Audit page shows a new webhook URL as changed, neither value shown', async () => {
    const first = 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/f1rstF1rstF1rstF1rst1';
    const rotated = 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/r0tat3dR0tat3dR0tat3d2';
    const created = await h.api('POST', '/targets', { name: 'rotated hook', type: 'slack', external_id: first });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect((await h.api('PUT', `/targets/${id}`, { external_id: rotated })).status).toBe(200);

    const { page, errors, urls } = await open(`/#/audit?entity=target`);
    await signIn(page, secrets.lead!);
    const row = page.getByTestId('audit-row').first();
    await eventually(() => row.textContent()).toMatch(new RegExp(`update\\s*target #${id}`));
    await row.getByRole('button').click();
    const diff = page.getByRole('table', { name: `Changes of target ${id}` });
    expect(await diff.locator('tbody th, tbody td').allTextContents()).toEqual([
      'external_id',
      'https://hooks.slack.com/***',
      'https://hooks.slack.com/***changed (value hidden)',
    ]);
    const html = await page.content();
    for (const secret of ['f1rst', 'r0tat3d']) {
      expect(html).not.toContain(secret);
      expect(urls.filter((url) => url.includes(secret))).toEqual([]);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an admin makes a token (secret once, copied), sees its last use, revokes it; refused and ingest tokens get the prompt', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
    const { page, errors, urls } = await open('/#/tokens');
    await signIn(page, secrets.lead!);
    await eventually(() => signedIn(page)).toMatch(/lead\s*admin/);
    const form = page.getByRole('form', { name: 'New token' });
    await form.getByLabel('Name').fill('shipper');
    await form.getByLabel('Scope').selectOption('ingest');
    await form.getByLabel('Expires').selectOption('30d');
    await form.getByRole('button', { name: 'Create token' }).click();
    const secretBox = page.getByTestId('new-secret');
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect(await page.getByRole('alert').textContent()).toContain('it will not be shown again');
    await page.getByRole('button', { name: 'Copy' }).click();
    await eventually(() => page.getByText('Copied to the clipboard.').count()).toBe(1);
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);

    // The secret works (as an ingest token) and is used once; the list says when.
    const whoami = await fetch(`${h.url}/whoami`, { headers: { authorization: `Bearer ${secret}` } });
    expect(((await whoami.json()) as { data: unknown }).data).toMatchObject({
      actor: 'token:shipper',
      scope: 'ingest',
    });
    const listed = async (name: string) =>
      (await h.api('GET', '/tokens')).body.data.items.find((t: { name: string }) => t.name === name);
    await eventually(async () => (await listed('shipper')).last_used_at).not.toBeNull();
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(secret);
    const temp = (await h.api('POST', '/tokens', { name: 'temp', scope: 'read' })).body.data.token as string;
    await page.reload();
    const rowOf = (name: string) => page.getByTestId('token-row').filter({ hasText: name });
    await eventually(() => rowOf('shipper').textContent()).toContain('ingest');
    expect(await rowOf('shipper').locator('td').nth(3).textContent()).not.toBe('never');
    expect(await rowOf('temp').locator('td').nth(3).textContent()).toBe('never');

    // The ingest token signs in in another tab: it is told it cannot read, and nothing shows.
    const shipperTab = await open('/');
    await submitToken(shipperTab.page, secret);
    await eventually(() => shipperTab.page.getByTestId('sign-in-reason').textContent()).toContain(
      'That is an ingest token',
    );
    expect(await shipperTab.page.getByTestId('stat-total-logs').count()).toBe(0);

    // A tab signed in with a read token that is then revoked (after a confirm) is asked again, with the reason.
    const tempTab = await open('/#/rules');
    await signIn(tempTab.page, temp);
    await eventually(() => signedIn(tempTab.page)).toMatch(/temp\s*read/);
    await page.reload();
    page.once('dialog', (dialog) => void dialog.accept());
    await rowOf('temp').getByRole('button', { name: 'Revoke temp' }).click();
    await eventually(() => rowOf('temp').textContent()).toContain('revoked');
    expect((await fetch(`${h.url}/whoami`, { headers: { authorization: `Bearer ${temp}` } })).status).toBe(401);
    await go(tempTab.page, '#/targets');
    await eventually(() => tempTab.page.getByTestId('sign-in-reason').textContent()).toMatch(
      /^The token this tab used was refused \(.*revoked.*\)/,
    );
    expect(await tempTab.page.locator('table').count()).toBe(0);

    const tabs = [{ page, errors, urls }, shipperTab, tempTab];
    const held = (text: string) => [secret, temp, secrets.lead!].some((s) => text.includes(s));
    for (const tab of tabs) expect(held((await stored(tab.page)).local)).toBe(false);
    expect(tabs.flatMap((tab) => tab.urls).filter(held)).toEqual([]);
    expect(tabs.flatMap((tab) => tab.errors)).toEqual([]);
    for (const tab of tabs) await tab.page.close();
  });

  it('without any token, the first one made on the Tokens page turns sign-in on, and the prompt keeps its secret to copy', async () => {
    const open_ = await startWebHarness(webRoot);
    try {
      const { page, errors } = await open('/#/tokens', open_);
      const form = page.getByRole('form', { name: 'New token' });
      await form.getByLabel('Name').fill('first-admin');
      await form.getByLabel('Scope').selectOption('admin');
      expect(await page.getByTestId('signed-in').count()).toBe(0); // the anonymous admin is nobody to name
      await form.getByRole('button', { name: 'Create token' }).click();
      const prompt = page.getByRole('dialog', { name: 'Sign in to lagwatch' });
      const secret = await prompt.getByTestId('new-secret').inputValue();
      expect(secret).toMatch(/^lw_/);
      await prompt.getByRole('button', { name: 'Done' }).click();
      await signIn(page, secret);
      await eventually(() => signedIn(page)).toMatch(/first-admin\s*admin/);
      await eventually(() => page.getByTestId('token-row').count()).toBe(1);
      expect(await page.content()).not.toContain(secret);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await open_.close();
    }
  });
});
