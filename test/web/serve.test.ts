import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWebAppPath } from '../../src/web/serve.js';
import { startWebHarness, type WebHarness } from './harness.js';

const TOKEN = 'web-serve-test-token';

/** A built dashboard in miniature: what vite writes (index.html and hashed assets). */
function writeBuiltApp(): string {
  const root = mkdtempSync(join(tmpdir(), 'lagwatch-webroot-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><title>lagwatch</title><script src="./assets/index-AbC123.js"></script>',
  );
  writeFileSync(join(root, 'assets', 'index-AbC123.js'), 'console.log("dashboard");');
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return root;
}

const html = { accept: 'text/html,application/xhtml+xml' };
// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
const json = async (response: Response): Promise<any> => response.json();

describe('registerWebApp serving a built dashboard', () => {
  let root: string;
  let h: WebHarness;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${path}`, { headers, redirect: 'manual' });

  beforeAll(async () => {
    root = writeBuiltApp();
    h = await startWebHarness(root, { API_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html at / for revalidation on every load, without the API token', async () => {
    const response = await get('/', html);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toContain('./assets/index-AbC123.js');
  });

  it('serves hashed assets cached for a year, and root files revalidated', async () => {
    const asset = await get('/assets/index-AbC123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log("dashboard");');
    const icon = await get('/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('redirects a dashboard route asked for as a path to its fragment form', async () => {
    // With API_TOKEN set only the fragment form (`/#/trace/<id>`, what alerts link to) loads without it.
    const response = await get('/trace/3f2a-9c4e', { ...html, authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/#/trace/3f2a-9c4e');
  });

  it('leaves API paths, files it does not have and non-HTML requests to the API (envelope 404 or 401)', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const [path, headers] of [
      ['/rules/app/1/extra', { ...html, ...auth }],
      ['/monitor/unknown', { ...html, ...auth }],
      ['/assets/missing-123.js', auth],
      ['/robots.txt', { ...html, ...auth }],
      ['/trace/abc', { accept: 'application/json', ...auth }],
    ] as const) {
      const response = await get(path, headers);
      expect(response.status, path).toBe(404);
      expect((await json(response)).status, path).toBe('error');
    }
    const unauthenticated = await get('/dashboard/overview', html);
    expect(unauthenticated.status).toBe(401);
    expect((await json(unauthenticated)).error.code).toBe('unauthorized');
  });

  it('keeps the API answering beside it', async () => {
    const response = await get('/rules/app', { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect((await json(response)).status).toBe('success');
  });
});

describe('registerWebApp without a built dashboard', () => {
  let h: WebHarness;
  let missing: string;
  beforeAll(async () => {
    missing = join(mkdtempSync(join(tmpdir(), 'lagwatch-nowebroot-')), 'dashboard');
    h = await startWebHarness(missing);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(join(missing, '..'), { recursive: true, force: true });
  });

  it('answers / with a plain page saying how to build it', async () => {
    const response = await fetch(`${h.url}/`, { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('npm run build');
  });
});

describe('isWebAppPath', () => {
  it('names the dashboard shell and its assets, nothing of the API', () => {
    for (const path of ['/', '/index.html', '/favicon.svg', '/assets/index-AbC123.js'])
      expect(isWebAppPath(path)).toBe(true);
    for (const path of ['/rules/app', '/dashboard/overview', '/events', '/assetsx', '/metrics', '/docs']) {
      expect(isWebAppPath(path)).toBe(false);
    }
  });
});
