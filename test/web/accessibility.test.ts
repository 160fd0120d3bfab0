import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, chromiumMissing, launchBrowser, startWebHarness, type WebHarness } from './harness.js';
import { seedDemoData } from './seed.js';

// Browser globals used inside page.evaluate() callbacks (this file itself is type-checked for Node).
declare const window: object;
// biome-ignore lint/suspicious/noExplicitAny: the page's DOM, read inside page.evaluate()
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: the page's computed styles, read inside page.evaluate()
declare function getComputedStyle(element: unknown): any;

if (chromiumMissing) console.warn(`[web/accessibility] SKIPPED: ${chromiumMissing}`);

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Every page of the dashboard (web/src/router.ts), by its fragment. */
const PAGES = [
  ['Overview', ''],
  ['Violations', 'violations'],
  ['Apps', '?app=checkout-api'],
  ['Incidents', 'incidents'],
  ['SLOs', 'slos'],
  ['Rules', 'rules'],
  ['Targets', 'targets'],
  ['Silences', 'silences'],
  ['Alerts', 'alerts'],
  ['Traces', 'trace'],
  ['Server', 'server'],
  ['Audit', 'audit'],
  ['Tokens', 'tokens'],
] as const;

const VIEWS = [
  { name: 'desktop', width: 1360, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

interface Finding {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** Waits until the page has drawn its answers (no "Loading…" left), then a little for charts. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.body.textContent.includes('Loading…'), undefined, { timeout: 15_000 });
  await page.waitForTimeout(300);
}

/** axe-core's serious and critical findings on the page as it is now. */
async function seriousFindings(page: Page): Promise<Finding[]> {
  // Evaluated rather than added as a <script>: the dashboard's CSP refuses inline scripts, rightly.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected as a script, untyped here
    const axe = (window as any).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return (
      result.violations as { id: string; impact: string; help: string; nodes: { target: string[]; html: string }[] }[]
    )
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} ${n.html.slice(0, 120)}`),
      }));
  });
}

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, bl] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
      const v = Number(c) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe.skipIf(chromiumMissing)(
  'accessibility of every dashboard page (axe-core, light and dark, desktop and phone)',
  () => {
    let webRoot: string;
    let h: WebHarness;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    let page: Page;
    /** Per page load: requests by method, path and query (the range's ends left out). */
    const requests: string[] = [];

    beforeAll(async () => {
      webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-a11y-'));
      await buildDashboard(webRoot);
      h = await startWebHarness(webRoot);
      await seedDemoData(h.ctx, h.store, { now: Date.now(), count: 600, spanMs: 40 * 60_000, seed: 24 });
      expect((await h.api('POST', '/silences', { app_name: 'checkout-api', duration_minutes: 60 })).status).toBe(201);
      const slo = await h.api('POST', '/rules/slo', {
        name: 'checkout within 500 ms',
        app_name: 'checkout-api',
        threshold_ms: 500,
        objective: 99,
        alert_channels: ['webhook'],
      });
      expect(slo.status).toBe(201);
      browser = await launchBrowser();
      page = await browser.context.newPage();
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname === '/' || url.pathname.startsWith('/assets/') || url.pathname === '/favicon.svg') return;
        url.searchParams.delete('from');
        url.searchParams.delete('to');
        requests.push(`${request.method()} ${url.pathname}${url.search}`);
      });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await h?.close();
      if (webRoot) rmSync(webRoot, { recursive: true, force: true });
    });

    it('finds nothing serious or critical on any page, and no page asks for the same thing twice as it loads', async () => {
      const findings: string[] = [];
      const repeated: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const view of VIEWS) {
          await page.setViewportSize({ width: view.width, height: view.height });
          for (const [name, fragment] of PAGES) {
            requests.length = 0;
            // A full load each time: what a page asks for on load is counted from the start.
            await page.goto(`${h.url}/?page=${name}#/${fragment}`);
            await settled(page);
            for (const finding of await seriousFindings(page)) {
              findings.push(`${name} (${scheme}, ${view.name}): ${finding.impact} ${finding.id}: ${finding.help}
    ${finding.nodes.join('\n    ')}`);
            }
            const seen = new Set<string>();
            for (const request of requests) {
              if (seen.has(request)) repeated.push(`${name} (${scheme}, ${view.name}): ${request}`);
              seen.add(request);
            }
          }
        }
      }
      expect(findings).toEqual([]);
      expect(repeated).toEqual([]);
    }, 300_000);

    it('draws a focus ring of at least 3:1 against the page and the cards, light and dark', async () => {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize({ width: 1360, height: 900 });
        await page.goto(`${h.url}/#/`);
        await settled(page);
        // The keyboard reaches the skip link, then the first links of the top bar.
        await page.keyboard.press('Tab');
        await page.keyboard.press('Tab');
        const seen = await page.evaluate(() => {
          const focused = document.activeElement;
          const root = getComputedStyle(document.documentElement);
          const probe = document.createElement('span');
          document.body.append(probe);
          const resolve = (value: string) => {
            probe.style.color = value;
            return getComputedStyle(probe).color;
          };
          const colors = {
            ring: resolve(root.getPropertyValue('--focus-ring').trim()),
            bg: resolve(root.getPropertyValue('--bg').trim()),
            surface: resolve(root.getPropertyValue('--surface').trim()),
          };
          probe.remove();
          return { ...colors, shadow: getComputedStyle(focused).boxShadow, visible: focused.matches(':focus-visible') };
        });
        expect(seen.visible, scheme).toBe(true);
        // The focused element draws the ring colour itself.
        expect(seen.shadow, scheme).toContain(seen.ring);
        expect(contrast(seen.ring, seen.bg), `${scheme}: ring ${seen.ring} on ${seen.bg}`).toBeGreaterThanOrEqual(3);
        expect(
          contrast(seen.ring, seen.surface),
          `${scheme}: ring ${seen.ring} on ${seen.surface}`,
        ).toBeGreaterThanOrEqual(3);
      }
    }, 60_000);
  },
);
