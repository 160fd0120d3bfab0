/**
 * The dashboard in a browser: `npx tsx bench/dashboard-browser.ts [loads] [live seconds]`
 * (default 5 cold loads, 30 s of live ingest). Needs Debian's Chromium at /usr/bin/chromium
 * (`CHROMIUM_PATH` to use another).
 *
 * Builds the dashboard from web/ (the vite config `npm run build` uses), starts a lagwatch HTTP
 * server on it (SQLite state, embedded log store) seeded with the demo's rules and 20,000 logs of
 * the last 50 minutes, and measures in headless Chromium:
 *   - cold loads of the Overview (no browser cache): first contentful paint, and the bytes of
 *     JavaScript and CSS transferred (as sent: brotli when the browser accepts it);
 *   - a warm load (cache kept): what is fetched again;
 *   - the API requests of each page on load (no endpoint twice);
 *   - the API requests of the open Overview, and of Violations, over `live seconds` of live
 *     ingest: 20 logs POSTed every 200 ms, a violation event every 2 s.
 * Goals (issue 24): first contentful paint < 1 s, JavaScript ≤ 130 KB compressed, at most one
 * request per panel per refresh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildDashboard, launchBrowser, startWebHarness } from '../test/web/harness.js';
import { seedDemoData } from '../test/web/seed.js';
import { PAGE_NAMES } from '../web/src/url-scheme.js';

const LOADS = Number(process.argv[2] ?? 5);
const LIVE_SECONDS = Number(process.argv[3] ?? 30);
const JS_GOAL_BYTES = 130 * 1024;
const FCP_GOAL_MS = 1000;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? NaN;

/** API requests a page sends, by method, path and query but the range; assets and the page itself not counted. */
function watchApi(page: Page): { counts(): Map<string, number>; reset(): void } {
  let seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/' || url.pathname.startsWith('/assets/') || url.pathname === '/favicon.svg') return;
    // The same request: the same path and parameters but the range, whose ends move by milliseconds.
    url.searchParams.delete('from');
    url.searchParams.delete('to');
    seen.push(`${request.method()} ${url.pathname}${url.search}`);
  });
  return {
    counts() {
      const counts = new Map<string, number>();
      for (const name of seen) counts.set(name, (counts.get(name) ?? 0) + 1);
      return counts;
    },
    reset() {
      seen = [];
    },
  };
}

const webRoot = mkdtempSync(join(tmpdir(), 'lagwatch-bench-web-'));
console.log(
  `dashboard in Chromium: ${LOADS} cold loads, ${LIVE_SECONDS} s of live ingest; ` +
    `${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), load ${load()}`,
);
await buildDashboard(webRoot, { sourcemap: undefined });
const h = await startWebHarness(webRoot);
const browser = await launchBrowser();
let ingesting = false;
try {
  await seedDemoData(h.ctx, h.store, { now: Date.now(), count: 20_000, spanMs: 50 * 60_000, seed: 24 });

  // ---- cold loads: first contentful paint and bytes transferred ----
  const fcps: number[] = [];
  let transfer = { js: 0, css: 0, encodings: new Set<string>() };
  for (let i = 0; i < LOADS; i++) {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const bytes = { js: 0, css: 0, encodings: new Set<string>() };
    const types = new Map<string, string>();
    cdp.on('Network.responseReceived', (event) => {
      types.set(event.requestId, event.type);
      const encoding = event.response.headers['content-encoding'] ?? event.response.headers['Content-Encoding'];
      if (event.type === 'Script' || event.type === 'Stylesheet') bytes.encodings.add(encoding ?? 'identity');
    });
    cdp.on('Network.loadingFinished', (event) => {
      const type = types.get(event.requestId);
      if (type === 'Script') bytes.js += event.encodedDataLength;
      if (type === 'Stylesheet') bytes.css += event.encodedDataLength;
    });
    await page.goto(`${h.url}/#/`);
    await page.getByTestId('stat-total-logs').filter({ hasNotText: '…' }).waitFor();
    const fcp = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    );
    fcps.push(fcp);
    transfer = bytes;
    await page.close();
  }

  // ---- a warm load in a new tab: hashed assets come from the cache without asking the server ----
  const first = await browser.context.newPage();
  await first.goto(`${h.url}/#/`);
  await first.getByTestId('stat-total-logs').filter({ hasNotText: '…' }).waitFor();
  await first.close();
  const second = await browser.context.newPage();
  const secondCdp = await browser.context.newCDPSession(second);
  await secondCdp.send('Network.enable');
  const warmRequests: string[] = [];
  secondCdp.on('Network.responseReceived', (event) => {
    const url = new URL(event.response.url);
    const cached = event.response.fromDiskCache || event.response.fromPrefetchCache || event.response.status === 0;
    if (url.pathname.startsWith('/assets/') && !cached) warmRequests.push(`${url.pathname} (${event.response.status})`);
  });
  await second.goto(`${h.url}/#/`);
  await second.getByTestId('stat-total-logs').filter({ hasNotText: '…' }).waitFor();
  const warmFcp = await second.evaluate(
    () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
  );
  await second.close();

  // ---- requests on load, every page ----
  const onLoad: { page: string; requests: number; repeated: string[] }[] = [];
  for (const name of PAGE_NAMES) {
    const page = await browser.context.newPage();
    const api = watchApi(page);
    await page.goto(`${h.url}/#/${name === 'overview' ? '' : name}`);
    await page.waitForTimeout(2_500);
    const counts = api.counts();
    onLoad.push({
      page: name,
      requests: [...counts.values()].reduce((a, b) => a + b, 0),
      repeated: [...counts].filter(([, n]) => n > 1).map(([path, n]) => `${n}× ${path}`),
    });
    await page.close();
  }

  // ---- live ingest: requests of an open tab ----
  ingesting = true;
  let posted = 0;
  const ingestLoop = (async () => {
    let tick = 0;
    while (ingesting) {
      const now = Date.now();
      const lines = Array.from({ length: 20 }, (_, i) =>
        JSON.stringify({
          '@timestamp': new Date(now - i).toISOString(),
          app_name: 'checkout',
          message_key: 'POST /orders',
          duration: 50 + ((tick * 20 + i) % 400),
          level: 'info',
          message: 'order placed',
        }),
      ).join('\n');
      const answer = await fetch(`${h.url}/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: lines,
      });
      await answer.arrayBuffer();
      if (answer.ok) posted += 20;
      if (tick % 10 === 0)
        h.ctx.events.publish({
          type: 'violation',
          data: {
            rule_type: 'app',
            rule_id: 1,
            app_name: 'checkout',
            message_key: 'POST /orders',
            duration_ms: 1_200,
            threshold_ms: 500,
            log_time: new Date(now).toISOString(),
            correlation_id: null,
          },
        });
      tick += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const live: { page: string; counts: Map<string, number> }[] = [];
  for (const name of ['overview', 'violations']) {
    const page = await browser.context.newPage();
    const api = watchApi(page);
    await page.goto(`${h.url}/#/${name === 'overview' ? '' : name}`);
    await page.waitForTimeout(3_000);
    api.reset();
    await page.waitForTimeout(LIVE_SECONDS * 1000);
    live.push({ page: name, counts: api.counts() });
    await page.close();
  }
  ingesting = false;
  await ingestLoop;

  // ---- figures ----
  const js = transfer.js;
  console.log('');
  console.log('| figure | value |');
  console.log('|---|---|');
  console.log(
    `| first contentful paint, cold (${LOADS} loads) | median ${median(fcps).toFixed(0)} ms, max ${Math.max(...fcps).toFixed(0)} ms |`,
  );
  console.log(`| first contentful paint, assets cached | ${warmFcp.toFixed(0)} ms |`);
  console.log(`| JavaScript transferred | ${kb(js)} (${[...transfer.encodings].join(', ')}) |`);
  console.log(`| CSS transferred | ${kb(transfer.css)} |`);
  console.log(`| assets fetched again when cached | ${warmRequests.length === 0 ? 'none' : warmRequests.join(', ')} |`);
  console.log('');
  console.log('| page | API requests on load | repeated |');
  console.log('|---|---|---|');
  for (const row of onLoad) console.log(`| ${row.page} | ${row.requests} | ${row.repeated.join(', ') || 'none'} |`);
  for (const { page, counts } of live) {
    console.log('');
    console.log(`| ${page}, ${LIVE_SECONDS} s of live ingest (${posted} logs posted in all) | requests |`);
    console.log('|---|---|');
    for (const [path, n] of [...counts].sort()) console.log(`| ${path} | ${n} |`);
    console.log(`| all | ${[...counts.values()].reduce((a, b) => a + b, 0)} |`);
  }
  const liveMax = Math.max(0, ...live.flatMap(({ counts }) => [...counts.values()]));
  const repeatedOnLoad = onLoad.filter((row) => row.repeated.length > 0).length;
  console.log('');
  console.log(
    `goal first contentful paint < 1 s: ${median(fcps) < FCP_GOAL_MS ? 'met' : 'NOT met'} (${median(fcps).toFixed(0)} ms)`,
  );
  console.log(`goal JavaScript ≤ 130 KB compressed: ${js <= JS_GOAL_BYTES ? 'met' : 'NOT met'} (${kb(js)})`);
  console.log(
    `goal no request twice on load: ${repeatedOnLoad === 0 ? 'met' : `NOT met (${repeatedOnLoad} pages)`}; ` +
      `most requests of one endpoint in ${LIVE_SECONDS} s of live ingest: ${liveMax}`,
  );
  console.log(`load average at the end: ${load()}`);
} finally {
  ingesting = false;
  await browser.close();
  await h.close();
  rmSync(webRoot, { recursive: true, force: true });
}
