import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillManyApps, manyAppName } from '../support/many-apps.js';
import {
  buildDashboard,
  chromiumMissing,
  eventually,
  launchBrowser,
  startWebHarness,
  type WebHarness,
} from './harness.js';

if (chromiumMissing) console.warn(`[web/many-apps] SKIPPED: ${chromiumMissing}`);

const APPS = 1_200;
const LEVELS = 60;

describe.skipIf(chromiumMissing)('the overview with more apps than a page, in Chromium', () => {
  let webRoot: string;
  let h: WebHarness;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-many-apps-'));
    await buildDashboard(webRoot);
    h = await startWebHarness(webRoot);
    const now = Date.now();
    fillManyApps(h.store, { apps: APPS, levels: LEVELS, from: now - 50 * 60_000, spanMs: 40 * 60_000 });
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    if (webRoot) rmSync(webRoot, { recursive: true, force: true });
  });

  it('pages the apps table and says how many apps and levels are not shown', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${h.url}/`);
      const table = page.getByRole('table', { name: 'Apps' });
      await eventually(() => table.locator('tbody > tr').count()).toBe(50);
      await eventually(() => page.getByTestId('apps-shown').textContent()).toBe(
        'Apps 1–50 of 1,200: 1,150 more apps on other pages.',
      );
      await eventually(() => page.getByTestId('more-apps').textContent()).toBe(
        'The 100 busiest apps; 1,100 more apps in the Apps table.',
      );
      await eventually(() => page.getByTestId('more-levels').textContent()).toBe(
        '10 more levels, less frequent, not shown.',
      );

      // By name, then the next page: the second 50 names, the page in the URL.
      await table.getByRole('columnheader', { name: 'App', exact: true }).getByRole('button').click();
      const names = () =>
        table
          .locator('tbody > tr > th[scope=row]')
          .allTextContents()
          .then((texts) => texts.map((t) => t.replace(/^[▸▾]\s*/, '')));
      await eventually(names).toEqual(Array.from({ length: 50 }, (_, i) => manyAppName(i)));
      await page.getByRole('navigation', { name: 'Apps pages' }).getByRole('button', { name: 'Next' }).click();
      await eventually(names).toEqual(Array.from({ length: 50 }, (_, i) => manyAppName(50 + i)));
      expect(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('page')).toBe('2');
      await eventually(() => page.getByTestId('apps-shown').textContent()).toBe(
        'Apps 51–100 of 1,200: 1,150 more apps on other pages.',
      );
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
