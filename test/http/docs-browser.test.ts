import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.js';
import { chromiumMissing, launchBrowser } from '../web/harness.js';
import { sqliteDriver, testApi } from './support.js';

if (chromiumMissing) console.warn(`[http docs browser] SKIPPED: ${chromiumMissing}`);

describe.skipIf(chromiumMissing)('swagger-ui in a browser', () => {
  it('renders every operation at /docs under the security headers, with no CSP violation', async () => {
    const api = await testApi(sqliteDriver());
    const server = await startHttpServer(api.ctx, { port: 0, host: '127.0.0.1' });
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      const response = await page.goto(`${server.address}/docs`);
      expect(response?.status()).toBe(200);
      await page.locator('.opblock-summary-path', { hasText: '/rules/app/{id}' }).first().waitFor({ timeout: 20_000 });
      const paths = await page.locator('.opblock-summary-path').allInnerTexts();
      expect(paths.map((p) => p.replace(/\u200b/g, '').trim())).toEqual(
        expect.arrayContaining(['/rules/app', '/rules/message/{id}', '/targets', '/alerts', '/ready']),
      );
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
      await api.close();
    }
  });
});
