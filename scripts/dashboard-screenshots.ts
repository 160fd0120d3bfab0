/**
 * The README's pictures of the dashboard, taken from a real `lagwatch demo` in a scratch folder:
 * `npm run -s build && npx tsx scripts/dashboard-screenshots.ts` (CHROMIUM_PATH, default
 * /usr/bin/chromium; DEMO_SECONDS, default 150: how long the demo runs first so there is
 * something to see) writes docs/screenshots/{dashboard,dashboard-dark,alert-log,
 * violations-drilldown,dashboard-rules-phone,violations-phone}.png (or only those named as
 * arguments).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

interface Shot {
  name: string;
  path: string;
  width: number;
  height: number;
  dark?: boolean;
  /** Waits for what the picture must show, after the page loaded. */
  ready?: (page: Page) => Promise<void>;
}

const cardsLoaded = (page: Page) => page.waitForSelector('.card', { timeout: 20_000 }).then(() => undefined);

const SHOTS: Shot[] = [
  { name: 'dashboard', path: '#/?range=15m', width: 1360, height: 1100, ready: cardsLoaded },
  { name: 'dashboard-dark', path: '#/?range=15m', width: 1360, height: 1100, dark: true, ready: cardsLoaded },
  {
    name: 'alert-log',
    path: '#/alerts?range=1h',
    width: 1360,
    height: 900,
    ready: async (page) => {
      await page.waitForSelector('table tbody tr', { timeout: 20_000 });
      await page.locator('table tbody tr').first().click();
    },
  },
  {
    name: 'violations-drilldown',
    path: '#/violations?range=15m',
    width: 1360,
    height: 1000,
    ready: (page) => page.waitForSelector('table tbody tr', { timeout: 20_000 }).then(() => undefined),
  },
  {
    name: 'violations-phone',
    path: '#/violations?range=15m',
    width: 390,
    height: 844,
    ready: async (page) => {
      await page.waitForSelector('table tbody tr', { timeout: 20_000 });
      await page.locator('table tbody tr').first().click();
    },
  },
  { name: 'dashboard-rules-phone', path: '#/rules', width: 390, height: 844, ready: cardsLoaded },
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until(check: () => Promise<boolean>, seconds: number, what: string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not happen within ${seconds} s`);
}

async function startDemo(port: number, dir: string): Promise<ChildProcess> {
  const bin = join(process.cwd(), 'bin', 'lagwatch.js');
  const child = spawn(process.execPath, [bin, 'demo'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', API_TOKEN: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await until(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60, 'the demo answering /health');
  return child;
}

async function take(browser: Browser, base: string, shot: Shot, out: string): Promise<void> {
  const context = await browser.newContext({
    viewport: { width: shot.width, height: shot.height },
    deviceScaleFactor: shot.width < 600 ? 2 : 1,
    colorScheme: shot.dark ? 'dark' : 'light',
  });
  const page = await context.newPage();
  await page.goto(`${base}/${shot.path}`);
  await shot.ready?.(page);
  // Charts draw after their data arrives; let the last requests settle.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(1_000);
  await page.screenshot({ path: join(out, `${shot.name}.png`) });
  await context.close();
  console.log(`docs/screenshots/${shot.name}.png`);
}

const wanted = process.argv.slice(2);
const shots = wanted.length === 0 ? SHOTS : SHOTS.filter((s) => wanted.includes(s.name));
const out = join(process.cwd(), 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'lagwatch-shots-'));
const port = await freePort();
const demo = await startDemo(port, dir);
let browser: Browser | undefined;
try {
  const seconds = Number(process.env.DEMO_SECONDS ?? 150);
  console.log(`the demo runs ${seconds} s before the pictures are taken`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  for (const shot of shots) await take(browser, `http://127.0.0.1:${port}`, shot, out);
} finally {
  await browser?.close();
  demo.kill('SIGTERM');
  await new Promise((r) => demo.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
