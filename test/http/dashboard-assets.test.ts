import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, startWebHarness, type WebHarness } from '../web/harness.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose body is read as sent (fetch would decompress it). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the built dashboard: compressed, cached by content hash, no source maps', () => {
  let root: string;
  let h: WebHarness;
  let assets: string[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lagwatch-assets-'));
    // The vite config as `npm run build` uses it (the browser tests' harness turns maps off itself).
    await buildDashboard(root, { sourcemap: undefined });
    // A map copied in by hand is not published either.
    writeFileSync(join(root, 'assets', 'copied-by-hand.js.map'), '{"version":3}');
    assets = readdirSync(join(root, 'assets'));
    h = await startWebHarness(root);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const scripts = () => assets.filter((name) => /^index-[\w-]{6,}\.js$/.test(name));

  it('builds hashed scripts and styles, each with a .br and a .gz beside it, and no source map', () => {
    const built = assets.filter((name) => /\.(js|css)$/.test(name));
    expect(scripts().length).toBeGreaterThan(0);
    expect(built.some((name) => name.endsWith('.css'))).toBe(true);
    for (const name of built) {
      expect(assets, name).toContain(`${name}.br`);
      expect(assets, name).toContain(`${name}.gz`);
    }
    expect(assets.filter((name) => name.endsWith('.map'))).toEqual(['copied-by-hand.js.map']);
    const script = readFileSync(join(root, 'assets', scripts()[0]!), 'utf8');
    expect(script).not.toMatch(/sourceMappingURL/);
  });

  it('sends brotli to a browser that accepts it, cached for a year', async () => {
    const name = scripts()[0]!;
    const answer = await rawGet(`${h.url}/assets/${name}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(answer.headers['cache-control']).toBe(IMMUTABLE);
    expect(answer.headers.vary).toMatch(/accept-encoding/i);
    const plain = readFileSync(join(root, 'assets', name));
    expect(answer.body.length).toBeLessThan(plain.length / 2);
    expect(brotliDecompressSync(answer.body).equals(plain)).toBe(true);
  });

  it('sends gzip without brotli, and the plain file to a client that accepts neither', async () => {
    const name = assets.find((a) => a.endsWith('.css'))!;
    const plain = readFileSync(join(root, 'assets', name));
    const gzip = await rawGet(`${h.url}/assets/${name}`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers['content-type']).toMatch(/^text\/css/);
    expect(gzip.headers['cache-control']).toBe(IMMUTABLE);
    expect(gunzipSync(gzip.body).equals(plain)).toBe(true);
    const identity = await rawGet(`${h.url}/assets/${name}`);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.equals(plain)).toBe(true);
  });

  it('revalidates index.html on every load, compressed or not', async () => {
    for (const path of ['/', '/index.html']) {
      const answer = await rawGet(`${h.url}${path}`, { accept: 'text/html', 'accept-encoding': 'br' });
      expect(answer.status, path).toBe(200);
      expect(answer.headers['cache-control'], path).toBe('no-cache');
    }
  });

  it('refuses source maps', async () => {
    const answer = await rawGet(`${h.url}/assets/copied-by-hand.js.map`, { 'accept-encoding': 'br' });
    expect(answer.status).toBe(404);
    expect(answer.body.toString()).not.toContain('"version":3');
  });
});
