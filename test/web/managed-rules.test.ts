import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_KINDS } from '../../src/rules/kinds/registry.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  startWebHarness,
  type WebHarness,
} from './harness.js';

// Browser globals used inside page.evaluate() callbacks (this file itself is type-checked for Node).
declare const document: { documentElement: { scrollWidth: number } };

if (chromiumMissing) console.warn(`[web/managed-rules] SKIPPED: ${chromiumMissing}`);

const FILE = 'rules/prod.yaml';
const VIEWS = [
  { name: 'desktop', width: 1360, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** A managed rule of every kind, by a name its row shows. */
const MANAGED_BODIES: Record<string, Record<string, unknown>> = {
  app: { app_name: 'managed-app', max_duration: 500, alert_channels: ['webhook'] },
  message: { app_name: 'managed-app', message_key: 'GET /managed', max_duration: 500, alert_channels: ['webhook'] },
  latency: { name: 'managed latency', app_name: 'shop', statistic: 'p95', threshold: 800, alert_channels: ['webhook'] },
  absence: { name: 'managed absence', app_name: 'shop', silent_minutes: 10, alert_channels: ['webhook'] },
  slo: {
    name: 'managed slo',
    app_name: 'shop',
    threshold_ms: 500,
    objective: 99.5,
    period_days: 1,
    alert_channels: ['webhook'],
  },
};
const ROW_TEXT: Record<string, string> = {
  app: 'managed-app',
  message: 'GET /managed',
  latency: 'managed latency',
  absence: 'managed absence',
  slo: 'managed slo',
};

describe.skipIf(chromiumMissing)('rules and targets a rules file manages, in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;
  let page: Page;
  let closeBrowser: () => Promise<void>;
  let sloId: number;
  const errors: string[] = [];
  const sent: string[] = [];

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-managed-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    for (const kind of RULE_KINDS) {
      const rule = await kind
        .store(h.ctx.ruleStores)
        .create(MANAGED_BODIES[kind.name], `file:${FILE}`, { managedBy: FILE });
      if (kind.name === 'slo') sloId = rule.id;
    }
    await h.ctx.ruleStores.appRules.create(
      { app_name: 'free-app', max_duration: 700, alert_channels: ['webhook'] },
      't',
    );
    await h.ctx.targets.create(
      { name: 'managed hook', type: 'webhook', external_id: 'https://hooks.example.com/x' },
      `file:${FILE}`,
      { managedBy: FILE },
    );
    await h.ctx.targets.create({ name: 'free mail', type: 'email', external_id: 'ops@example.com' }, 't');
    const browser = await launchBrowser();
    closeBrowser = browser.close;
    page = await browser.context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (request.method() !== 'GET') sent.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
  }, 180_000);
  afterAll(async () => {
    await closeBrowser?.();
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  /** The row of a list that shows `text`: a badge naming the file, and no control that changes it. */
  const expectLockedRow = async (text: string) => {
    const row = page.locator('tr', { hasText: text }).first();
    await eventually(() => row.count()).toBe(1);
    const badge = row.getByTestId('managed-badge');
    expect(await badge.textContent()).toContain(`managed by ${FILE}`);
    expect(await badge.getAttribute('title')).toContain(`rules file ${FILE}`);
    for (const control of await row.locator('button, input').all()) {
      // Sending a test message changes nothing: it stays.
      if ((await control.getAttribute('aria-label'))?.startsWith('Send test')) continue;
      expect(await control.isDisabled(), `${text}: ${await control.getAttribute('aria-label')}`).toBe(true);
    }
    expect(await row.getByRole('button', { name: /^Edit / }).isDisabled()).toBe(true);
    expect(await row.getByRole('button', { name: /^Delete / }).isDisabled()).toBe(true);
    expect(await row.getByRole('checkbox').isDisabled()).toBe(true);
  };

  for (const view of VIEWS) {
    it(`marks managed rules of every kind and managed targets, controls disabled (${view.name})`, async () => {
      await page.setViewportSize({ width: view.width, height: view.height });
      await page.goto(`${h.url}/#/rules`);
      await page.reload();
      for (const kind of RULE_KINDS) await expectLockedRow(ROW_TEXT[kind.name]!);
      const free = page.locator('tr', { hasText: 'free-app' }).first();
      expect(await free.getByTestId('managed-badge').count()).toBe(0);
      expect(await free.getByRole('button', { name: /^Edit / }).isEnabled()).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(view.width);

      await page.goto(`${h.url}/#/targets`);
      await expectLockedRow('managed hook');
      expect(
        await page
          .locator('tr', { hasText: 'free mail' })
          .getByRole('button', { name: /^Edit / })
          .isEnabled(),
      ).toBe(true);

      await page.goto(`${h.url}/#/slos?rule=slo:${sloId}`);
      const slo = page.locator(`[data-slo-id="${sloId}"]`);
      await eventually(() => slo.getByTestId('managed-badge').count()).toBe(1);
      await eventually(() => slo.getByRole('button', { name: 'Edit managed slo' }).count()).toBe(1);
      expect(await slo.getByRole('button', { name: 'Edit managed slo' }).isDisabled()).toBe(true);
      expect(await slo.getByRole('button', { name: 'Delete managed slo' }).isDisabled()).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(view.width);
    });
  }

  it('the Server page shows the rules file the process applies, and its problems', async () => {
    h.ctx.rulesFile = {
      status: () => ({
        path: FILE,
        prune: false,
        status: 'invalid',
        applied_at: new Date(Date.now() - 120_000).toISOString(),
        checked_at: new Date().toISOString(),
        changes: { created: 5, updated: 0, deleted: 0, released: 0, unchanged: 0 },
        problems: [{ line: 7, column: 16, path: 'rules.1.threshold', message: 'must be a number' }],
        error: null,
      }),
    };
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${h.url}/#/server`);
    const card = page.getByTestId('rules-file');
    await eventually(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain('invalid');
    expect(await card.textContent()).toContain('5 created');
    const alert = page.getByRole('alert').filter({ hasText: 'nothing was changed' });
    expect(await alert.textContent()).toContain(`${FILE}:7:16 rules.1.threshold: must be a number`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('sent no change and threw nothing', () => {
    expect(sent).toEqual([]);
    expect(errors).toEqual([]);
  });
});
