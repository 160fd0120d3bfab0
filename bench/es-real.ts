/**
 * es-real: lagwatch's Elasticsearch/OpenSearch adapter against a REAL server (OpenSearch 2.19
 * started by `npm run -s search:start -- opensearch-2 9202`).
 * Run: npx tsx bench/es-real.ts [documents] [latency samples] [dashboard runs]
 *      (defaults 1,000,000 / 60 / 30; ES_REAL_URL overrides http://127.0.0.1:9202).
 *
 * Everything goes into indices `bench-<random>-logs-YYYY.MM.DD` (explicit mapping: keyword
 * fields, float duration, 1 shard, 0 replicas, pinned to the node at the URL in case another
 * node joins its cluster), deleted at the end (also on Ctrl-C). Requests refused with 429/503
 * (e.g. by the node's circuit breaker) are retried by the benchmark's own calls and counted. The state database is SQLite
 * in a temp folder; Telegram is the stand-in. Phases, each printing its figures:
 *   1. Bulk-load `documents` logs spread over the last 24 h (default field preset, 8 apps, each
 *      with an app rule of its own threshold; exactly 1 % over their rule, 5 % without a
 *      duration). Then `log:alert-scan`'s work (Scanner.run, then outbox delivery) from a
 *      checkpoint 24 h back, with the rules already judged by an earlier scan: wall time and
 *      documents transferred (hits read, `counters.documentsRead`) per violation (goal <= 1.2).
 *      Then, while logs keep arriving at the same rate (~12/s, 1 % violating), a steady-state scan
 *      30 s after it in the same process (as `start` runs it) and another 30 s later in a fresh
 *      context (as a cron-run `log:alert-scan` runs it: nothing remembered of earlier windows).
 *      Beside them, on an index of its own, how long a search waits on a search-idle shard.
 *   2. `lagwatch start` (startService, default scan settings) over the same state, and
 *      GET /dashboard/overview, /dashboard/timeseries, /dashboard/apps over 24 h through its HTTP
 *      server: p50/p99 (goal: overview p50 < 250 ms). Each run's range ends at another ragged
 *      second, as a refreshing dashboard's does.
 *   3. Detection latency with the default scan settings (interval 30 s, lag 1 s, probe 1 s):
 *      a violating log indexed with `?refresh=true`, from the moment that call returns to the
 *      Telegram stand-in accepting its alert (cooldown 0; each sample 1.1-1.6 s after the
 *      previous alert, so none waits for Telegram's per-chat pacing). Goal: p99 < 5 s.
 * Nothing fails when a figure misses its goal: the figures are printed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../src/app/context.js';
import { createAppContext } from '../src/app/create-context.js';
import { createScanServices } from '../src/app/scan-services.js';
import { startService } from '../src/app/service.js';
import type { Config } from '../src/config/config.js';
import { loadConfig } from '../src/config/load.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logging/logger.js';
import { formatCursor } from '../src/logs/elasticsearch/cursor.js';
import { ElasticsearchLogSource } from '../src/logs/elasticsearch/source.js';
import { saveCheckpoint } from '../src/scan/checkpoints.js';
import type { ScanReport } from '../src/scan/scan-report.js';
import { TelegramStandIn } from '../test/support/telegram-stand-in.js';

const DOCS = Number(process.argv[2] ?? 1_000_000);
const SAMPLES = Number(process.argv[3] ?? 60);
const RUNS = Number(process.argv[4] ?? 30);
if (![DOCS, SAMPLES, RUNS].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: npx tsx bench/es-real.ts [documents] [latency samples] [dashboard runs]');
  process.exit(1);
}
const URL_BASE = (process.env.ES_REAL_URL ?? 'http://127.0.0.1:9202').replace(/\/$/, '');
const PREFIX = `bench-${Math.random().toString(36).slice(2, 8)}-`;
const DAY = 86_400_000;
const GROUP_CHAT = '-100200'; // the bulk apps' alerts
const LATENCY_CHAT = '4200'; // the latency samples' alerts

/** App → its rule's threshold (ms). */
const APPS = new Map([
  ['checkout', 1000],
  ['search', 800],
  ['auth', 300],
  ['catalog', 600],
  ['billing', 1500],
  ['notifications', 2000],
  ['gateway', 500],
  ['reports', 5000],
]);
const APP_NAMES = [...APPS.keys()];
const KEYS = ['http.request', 'db.query', 'cache.get', 'queue.consume', 'render', 'external.call'];
const LEVELS = ['info', 'info', 'info', 'info', 'info', 'debug', 'warn', 'error'];
/** The live rate: as many logs a second as the bulk load holds per second of its 24 h. */
const LIVE_PER_SECOND = Math.max(1, Math.round(DOCS / 86_400));

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

// ---------------------------------------------------------------------------------------------
// The server, spoken to directly (loading, stats, clean-up): plain fetch.

/** Transient refusals (429 from a circuit breaker or a full queue, 503) are retried, as shippers do. */
let serverRetries = 0;
async function os<T = unknown>(method: string, path: string, body?: unknown, ndjson = false): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${URL_BASE}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
      body: body === undefined ? undefined : ndjson ? (body as string) : JSON.stringify(body),
    });
    const text = await response.text();
    if ((response.status === 429 || response.status === 503) && attempt < 8) {
      serverRetries++;
      await sleep(Math.min(5000, 100 * 2 ** attempt));
      continue;
    }
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** The node answering at URL_BASE: the benchmark's shards stay on it even when others join its cluster. */
let localNodeId = '';

interface NodeFigures {
  nodes: number;
  parentTrips: number;
  heapMax: number;
  heapUsed: number;
}

async function nodeFigures(): Promise<NodeFigures> {
  const body = await os<{
    _nodes: { total: number };
    nodes: Record<
      string,
      {
        jvm: { mem: { heap_max_in_bytes: number; heap_used_in_bytes: number } };
        breakers: { parent: { tripped: number } };
      }
    >;
  }>('GET', '/_nodes/_local/stats/jvm,breaker');
  const [id, node] = Object.entries(body.nodes)[0]!;
  localNodeId = id;
  const cluster = await os<{ number_of_nodes: number }>('GET', '/_cluster/health');
  return {
    nodes: cluster.number_of_nodes,
    parentTrips: node.breakers.parent.tripped,
    heapMax: node.jvm.mem.heap_max_in_bytes,
    heapUsed: node.jvm.mem.heap_used_in_bytes,
  };
}

const createdIndices = new Map<string, Promise<unknown>>();
const indexFor = (time: number) => `${PREFIX}logs-${new Date(time).toISOString().slice(0, 10).replaceAll('-', '.')}`;
/** Indices created for the bulk load start with refresh off; it is set back to the default after. */
const bulkLoaded = new Set<string>();

function ensureIndex(name: string, forBulkLoad = false): Promise<unknown> {
  let created = createdIndices.get(name);
  if (!created) {
    if (forBulkLoad) bulkLoaded.add(name);
    created = os('PUT', `/${name}`, {
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        'routing.allocation.include._id': localNodeId,
        ...(forBulkLoad ? { refresh_interval: '-1' } : {}),
      },
      mappings: {
        properties: {
          '@timestamp': { type: 'date' },
          app_name: { type: 'keyword' },
          message_key: { type: 'keyword' },
          duration: { type: 'float' },
          correlation_id: { type: 'keyword' },
          level: { type: 'keyword' },
          message: { type: 'text' },
        },
      },
    });
    createdIndices.set(name, created);
  }
  return created;
}

async function deleteIndices(): Promise<void> {
  for (const [name, created] of createdIndices) {
    if (
      await created.then(
        () => true,
        () => false,
      )
    )
      await os('DELETE', `/${name}`).catch(() => undefined);
  }
}

interface SearchStats {
  query_total: number;
  fetch_total: number;
  scroll_total: number;
  open_contexts: number;
  scroll_current: number;
  point_in_time_current?: number;
}

async function searchStats(): Promise<SearchStats> {
  const body = await os<{ _all: { total: { search: SearchStats } } }>('GET', `/${PREFIX}*/_stats/search`);
  return body._all.total.search;
}

// ---------------------------------------------------------------------------------------------
// Documents.

let seed = 12_345;
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/**
 * Log number `i`: every hundredth (i % 100 == 50) over its app's threshold, the rest under it.
 * The apps take turns, shifted by one every hundred logs so that every app gets its share of the
 * violating ones.
 */
function makeLog(i: number, time: number, app = APP_NAMES[(i + Math.floor(i / 100)) % APP_NAMES.length]!) {
  const threshold = APPS.get(app) ?? 1000;
  const key = KEYS[Math.floor(random() * KEYS.length)]!;
  let duration: number | undefined;
  if (i % 100 === 50) duration = Math.round((threshold + 1 + random() * 4000) * 10) / 10;
  else if (random() >= 0.05) {
    // Typical work ~60 ms (exponential), the tail folded back under the threshold.
    const typical = 2 + -Math.log(1 - random()) * 60;
    duration = Math.round((typical < threshold ? typical : random() * threshold * 0.99) * 10) / 10;
  }
  return {
    '@timestamp': new Date(time).toISOString(),
    app_name: app,
    message_key: key,
    ...(duration === undefined ? {} : { duration }),
    correlation_id: `req-${Math.floor(i / 4).toString(36)}`,
    level: LEVELS[i % LEVELS.length],
    message: duration === undefined ? `${key} started` : `${key} done in ${duration} ms`,
  };
}

async function bulk(docs: { '@timestamp': string }[], refresh = false): Promise<void> {
  let body = '';
  for (const doc of docs) {
    const index = indexFor(Date.parse(doc['@timestamp']));
    await ensureIndex(index);
    body += `{"index":{"_index":"${index}"}}\n${JSON.stringify(doc)}\n`;
  }
  const answer = await os<{ errors: boolean; items: { index: { error?: unknown } }[] }>(
    'POST',
    `/_bulk${refresh ? '?refresh=true' : ''}`,
    body,
    true,
  );
  if (answer.errors) {
    const failed = answer.items.find((item) => item.index.error)?.index.error;
    throw new Error(`bulk: some documents were refused: ${JSON.stringify(failed).slice(0, 300)}`);
  }
}

/** Bulk-loads DOCS logs evenly over [end - 24 h, end), 5,000 per request, two requests in flight. */
async function bulkLoad(end: number): Promise<{ violating: number; ms: number }> {
  const started = performance.now();
  const chunk = 5000;
  const step = DAY / DOCS;
  let violating = 0;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < DOCS) {
      const first = next;
      next = Math.min(DOCS, next + chunk);
      const docs: ReturnType<typeof makeLog>[] = [];
      for (let i = first; i < next; i++) {
        if (i % 100 === 50) violating++;
        docs.push(makeLog(i, end - DAY + Math.floor(i * step)));
      }
      await bulk(docs);
      done += docs.length;
      if (Math.floor(done / chunk) % 40 === 0 || done === DOCS)
        process.stdout.write(`\r  loaded ${fmt(done)} documents, load average ${load()}   `);
    }
  };
  await Promise.all([worker(), worker()]);
  process.stdout.write('\n');
  for (const name of bulkLoaded) await os('PUT', `/${name}/_settings`, { index: { refresh_interval: null } });
  await os('POST', `/${PREFIX}*/_refresh`);
  return { violating, ms: performance.now() - started };
}

/** Logs arriving live at LIVE_PER_SECOND (1 % violating, bulk apps), one bulk request a second. */
function liveIngest(): { stop(): Promise<void>; violating(): number; sent(): number; failed(): number } {
  let stopped = false;
  let i = 0;
  let violating = 0;
  let failed = 0;
  const loop = (async () => {
    while (!stopped) {
      const tick = Date.now();
      const docs: ReturnType<typeof makeLog>[] = [];
      for (let k = 0; k < LIVE_PER_SECOND; k++, i++) {
        if (i % 100 === 50) violating++;
        docs.push(makeLog(i, Date.now()));
      }
      try {
        await bulk(docs);
      } catch (error) {
        failed += docs.length;
        console.log(`  live ingest: ${(error as Error).message.slice(0, 200)}`);
      }
      await sleep(Math.max(0, tick + 1000 - Date.now()));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
    violating: () => violating,
    sent: () => i,
    failed: () => failed,
  };
}

/**
 * OpenSearch's search-idle shards (`index.search.idle.after`, 30 s by default): a shard that saw
 * no search for that long stops refreshing, and the next search waits for a refresh. Measured
 * on an index of its own outside the prefix, written at the live rate: a `_count` 20 s and then
 * 40 s after the previous search.
 */
async function searchIdleCheck(): Promise<string> {
  const name = `${PREFIX.slice(0, -1)}idle`; // outside `${PREFIX}*`: lagwatch never reads it
  createdIndices.set(
    name,
    os('PUT', `/${name}`, {
      settings: { number_of_shards: 1, number_of_replicas: 0, 'routing.allocation.include._id': localNodeId },
    }),
  );
  await createdIndices.get(name);
  let stopped = false;
  const writer = (async () => {
    while (!stopped) {
      const body = Array.from({ length: LIVE_PER_SECOND }, () => `{"index":{}}\n{"t":${Date.now()}}\n`).join('');
      await os('POST', `/${name}/_bulk`, body, true);
      await sleep(1000);
    }
  })();
  const timedCount = async () => {
    const started = performance.now();
    await os('POST', `/${name}/_count`, { query: { match_all: {} } });
    return performance.now() - started;
  };
  await sleep(2000);
  const active = await timedCount();
  await sleep(20_000);
  const after20 = await timedCount();
  await sleep(40_000);
  const after40 = await timedCount();
  stopped = true;
  await writer;
  const settings = await os<Record<string, { defaults?: { index?: { search?: { idle?: { after?: string } } } } }>>(
    'GET',
    `/${name}/_settings?include_defaults=true&filter_path=**.search.idle.after`,
  );
  const idleAfter = Object.values(settings)[0]?.defaults?.index?.search?.idle?.after ?? '?';
  return `search-idle check (index.search.idle.after ${idleAfter}): _count while searched ${ms(active)}, 20 s after the previous search ${ms(after20)}, 40 s after ${ms(after40)}`;
}

// ---------------------------------------------------------------------------------------------
// lagwatch.

function lagwatchConfig(dir: string, standIn: TelegramStandIn): Config {
  return loadConfig(
    {
      LOG_LEVEL: 'silent',
      LOG_SOURCE: 'elasticsearch',
      ELASTICSEARCH_HOST: URL_BASE,
      ELASTICSEARCH_INDEX_PREFIX: PREFIX,
      DB_DRIVER: 'sqlite',
      DB_DATABASE: join(dir, 'state.db'),
      TELEGRAM_BOT_TOKEN: standIn.token,
      TELEGRAM_API_BASE: standIn.apiBase,
      TELEGRAM_CHAT_ID: LATENCY_CHAT,
      TELEGRAM_GROUP_ID: GROUP_CHAT,
    },
    undefined,
  );
}

async function esSource(ctx: AppContext): Promise<ElasticsearchLogSource> {
  const source = await ctx.logSource();
  if (!(source instanceof ElasticsearchLogSource)) throw new Error('the log source is not Elasticsearch');
  return source;
}

interface MeasuredScan {
  report: ScanReport;
  scanMs: number;
  deliveryMs: number;
  delivered: unknown;
  transferred: number;
  requests: SearchStats;
}

/**
 * `log:alert-scan`'s work: one Scanner.run, then delivery of what it queued. In a fresh context
 * the run opens the log source itself (`GET /`, `_field_caps`), as a new process does.
 */
async function alertScan(ctx: AppContext, fresh = false): Promise<MeasuredScan> {
  const services = await createScanServices(ctx);
  try {
    const readBefore = fresh ? 0 : (await esSource(ctx)).counters.documentsRead;
    const statsBefore = await searchStats();
    const started = performance.now();
    const report = await services.scanner.run();
    const scanMs = performance.now() - started;
    const transferred = (await esSource(ctx)).counters.documentsRead - readBefore;
    const statsAfter = await searchStats();
    if (report.status !== 'success') throw new Error(`scan ${report.status}: ${report.error}`);
    const deliveryStarted = performance.now();
    const delivered = await services.outbox.deliverDue();
    const deliveryMs = performance.now() - deliveryStarted;
    const requests = {
      query_total: statsAfter.query_total - statsBefore.query_total,
      fetch_total: statsAfter.fetch_total - statsBefore.fetch_total,
      scroll_total: statsAfter.scroll_total - statsBefore.scroll_total,
      open_contexts: statsAfter.open_contexts,
      scroll_current: statsAfter.scroll_current,
    };
    return { report, scanMs, deliveryMs, delivered, transferred, requests };
  } finally {
    await services.close();
  }
}

function printScan(name: string, m: MeasuredScan, expectedViolations?: number): void {
  const r = m.report;
  const perViolation = r.violations > 0 ? (m.transferred / r.violations).toFixed(3) : '—';
  console.log(
    [
      `${name}:`,
      `  scan ${ms(m.scanMs)} (${fmt((r.logsScanned * 1000) / m.scanMs)} logs/s covered); delivery afterwards ${ms(m.deliveryMs)} (${JSON.stringify(m.delivered)})`,
      `  logs scanned ${fmt(r.logsScanned)}, candidates ${fmt(r.candidates)}, violations recorded ${fmt(r.violations)}` +
        (expectedViolations === undefined ? '' : ` (generated ${fmt(expectedViolations)})`) +
        `, alerts queued ${r.alertsQueued}`,
      `  documents transferred ${fmt(m.transferred)}, per violation recorded ${perViolation} (goal <= 1.2)`,
      `  server side (this prefix's indices): ${m.requests.query_total} query phases, ${m.requests.fetch_total} fetch phases, ${m.requests.scroll_total} scrolls; open afterwards: ${m.requests.open_contexts} contexts, ${m.requests.scroll_current} scrolls`,
      `  load average ${load()}`,
    ].join('\n'),
  );
}

function percentiles(samples: number[]): { p50: number; p90: number; p99: number; max: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? Number.NaN;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN, mean };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { data: unknown }).data;
}

async function dashboard(
  base: string,
): Promise<{ name: string; p50: number; p99: number; failed: string[]; trips: number; first: unknown }[]> {
  const results = [];
  for (const path of ['/dashboard/overview', '/dashboard/timeseries', '/dashboard/apps']) {
    const rangeAt = (run: number) => {
      const end = Date.now() - ((run * 7_919) % 60_000);
      return `from=${new Date(end - DAY).toISOString()}&to=${new Date(end).toISOString()}`;
    };
    const tripsBefore = (await nodeFigures()).parentTrips;
    const failed: string[] = [];
    const note = (error: unknown) => {
      failed.push((error as Error).message.slice(0, 300));
      return undefined;
    };
    const first = await getJson(`${base}${path}?${rangeAt(0)}`).catch(note); // warm-up
    const samples: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const url = `${base}${path}?${rangeAt(run)}`;
      const started = performance.now();
      try {
        await getJson(url);
        samples.push(performance.now() - started);
      } catch (error) {
        note(error);
      }
    }
    const { p50, p99 } = percentiles(samples);
    const trips = (await nodeFigures()).parentTrips - tripsBefore;
    results.push({ name: path, p50, p99, failed, trips, first });
  }
  return results;
}

async function detectionLatency(
  base: string,
  standIn: TelegramStandIn,
): Promise<{ fromVisible: number[]; fromSend: number[] }> {
  const rule = await fetch(`${base}/rules/app`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      app_name: 'latency-probe',
      max_duration: 500,
      alert_channels: ['telegram_chat'],
      cooldown_minutes: 0,
    }),
  });
  if (!rule.ok) throw new Error(`POST /rules/app: ${rule.status} ${await rule.text()}`);
  // Let a scan judge the new rule (its look back over the recent logs) before the first sample.
  await sleep(3000);
  const before = standIn.messagesTo(LATENCY_CHAT).length;
  const fromVisible: number[] = [];
  const fromSend: number[] = [];
  const run = Math.random().toString(36).slice(2, 6);
  for (let i = 0; i < SAMPLES; i++) {
    const sentAt = Date.now();
    const doc = {
      '@timestamp': new Date(sentAt).toISOString(),
      app_name: 'latency-probe',
      message_key: 'POST /orders',
      duration: 900 + i,
      correlation_id: `lat-${run}-${i}`,
      level: 'warn',
      message: 'slow order',
    };
    const index = indexFor(sentAt);
    await ensureIndex(index);
    await os('POST', `/${index}/_doc?refresh=true`, doc);
    const visibleAt = Date.now();
    const received = await standIn.waitForMessages(before + i + 1, LATENCY_CHAT, 60_000);
    const message = received[before + i]!;
    if (!message.visibleText.includes(`lat-${run}-${i}`))
      throw new Error(`sample ${i}: unexpected alert ${message.visibleText.slice(0, 200)}`);
    fromVisible.push(message.receivedAt - visibleAt);
    fromSend.push(message.receivedAt - sentAt);
    if ((i + 1) % 20 === 0) console.log(`  ${i + 1} samples, load average ${load()}`);
    await sleep(Math.max(0, message.receivedAt + 1100 + Math.random() * 500 - Date.now()));
  }
  return { fromVisible, fromSend };
}

// ---------------------------------------------------------------------------------------------

async function main(dir: string, standIn: TelegramStandIn): Promise<void> {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const server = await os<{ version: { distribution?: string; number: string } }>('GET', '/');
  const nodeBefore = await nodeFigures();
  console.log(
    `es-real: ${server.version.distribution ?? 'elasticsearch'} ${server.version.number} at ${URL_BASE}, indices ${PREFIX}*; ` +
      `${new Date().toISOString()}; ${availableParallelism()} CPUs (${cpu}), Node ${process.version}, load average ${load()}`,
  );
  console.log(
    `  node ${localNodeId}: heap ${fmt(nodeBefore.heapMax / 2 ** 20)} MiB (${fmt(nodeBefore.heapUsed / 2 ** 20)} used), ` +
      `parent circuit breaker tripped ${nodeBefore.parentTrips} times so far; cluster of ${nodeBefore.nodes} node(s)`,
  );
  console.log(
    `  ${fmt(DOCS)} documents over 24 h, ${APPS.size} apps with app rules (${[...APPS].map(([a, t]) => `${a} ${t}`).join(', ')} ms), live rate ${LIVE_PER_SECOND}/s`,
  );

  const config = lagwatchConfig(dir, standIn);
  const ctx = createAppContext(config, createLogger({ logLevel: 'silent' }));
  await migrateToLatest(ctx.state);
  for (const [app_name, max_duration] of APPS) {
    await ctx.appRules.create(
      { app_name, max_duration, alert_channels: ['telegram_group'], cooldown_minutes: 5 },
      'bench',
    );
  }

  // Phase 1: a first scan over the empty indices judges the rules; then 24 h of logs arrive and
  // the checkpoint is put 24 h back, as after a day without scanning.
  const end = Date.now();
  // Both daily indices exist (refresh off) before the scan and the bulk load.
  await ensureIndex(indexFor(end - DAY), true);
  await ensureIndex(indexFor(end - 1), true);
  const first = await alertScan(ctx, true);
  const source = await esSource(ctx);
  console.log(`  first scan over the empty indices: ${first.report.status}, paging by ${source.pagingMode}`);
  const loaded = await bulkLoad(end);
  const stored = await os<{ count: number }>('GET', `/${PREFIX}*/_count`);
  const size = await os<{ _all: { primaries: { store: { size_in_bytes: number } } } }>(
    'GET',
    `/${PREFIX}*/_stats/store`,
  );
  console.log(
    `  bulk load: ${fmt(stored.count)} documents (${fmt(loaded.violating)} violating) in ${(loaded.ms / 1000).toFixed(1)} s ` +
      `(${fmt((DOCS * 1000) / loaded.ms)} docs/s, refresh off, then refreshed), ` +
      `${fmt(size._all.primaries.store.size_in_bytes / 2 ** 20)} MiB; load average ${load()}`,
  );
  const watermark = end - DAY;
  await saveCheckpoint(ctx.state.db, {
    source_key: source.key,
    cursor: formatCursor(watermark),
    watermark,
    updated_at: Date.now(),
  });
  const catchUp = await alertScan(ctx);
  printScan(
    'catch-up scan, checkpoint 24 h back (log:alert-scan: Scanner.run, then delivery)',
    catchUp,
    loaded.violating,
  );

  const live = liveIngest();
  const idle = searchIdleCheck();
  await sleep(30_000 - catchUp.deliveryMs);
  const steady = await alertScan(ctx);
  printScan(
    `steady state, 30 s later, same process (as in start; ${fmt(live.sent())} live logs so far, ${live.violating()} violating)`,
    steady,
  );
  await ctx.close();

  await sleep(30_000 - steady.deliveryMs);
  const cronCtx = createAppContext(config, createLogger({ logLevel: 'silent' }));
  const cron = await alertScan(cronCtx, true);
  printScan(
    `steady state, 30 s later, fresh context (as a cron-run log:alert-scan; ${fmt(live.sent())} live logs so far, ${live.violating()} violating)`,
    cron,
  );
  await cronCtx.close();
  console.log(`  ${await idle}`);

  // Phases 2 and 3: lagwatch start, default scan settings.
  const serviceCtx = createAppContext(config, createLogger({ logLevel: 'silent' }));
  const service = await startService(serviceCtx, { port: 0, host: '127.0.0.1' });
  try {
    const s = serviceCtx.config.scan;
    console.log(
      `lagwatch start: interval ${s.intervalSeconds} s, lag ${s.lagSeconds} s, probe ${s.probeSeconds} s, overlap ${s.overlapSeconds} s, batch ${s.batchSize}; load average ${load()}`,
    );
    await sleep(2000);
    const board = await dashboard(service.server.address);
    const overview = (board[0]!.first ?? { total_logs: Number.NaN, violations: { total: Number.NaN } }) as {
      total_logs: number;
      violations: { total: number };
    };
    console.log(
      `dashboard over 24 h through HTTP (${RUNS} runs each after a warm-up; the first overview: ${fmt(overview.total_logs)} logs, ${fmt(overview.violations.total)} violations):`,
    );
    console.log('| endpoint | p50 | p99 | failed | parent breaker trips meanwhile |');
    console.log('|---|---|---|---|---|');
    for (const r of board) console.log(`| ${r.name} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.failed.length} | ${r.trips} |`);
    for (const r of board) for (const f of r.failed.slice(0, 3)) console.log(`  ${r.name} failed: ${f}`);
    console.log(
      `  goal overview p50 < 250 ms: ${board[0]!.p50 < 250 ? 'met' : 'NOT met'} (${ms(board[0]!.p50)}); load average ${load()}`,
    );

    console.log(`detection latency: ${SAMPLES} samples, each 1.1-1.6 s after the previous alert`);
    const latency = await detectionLatency(service.server.address, standIn);
    const v = percentiles(latency.fromVisible);
    const sent = percentiles(latency.fromSend);
    console.log(
      `  visible (index ?refresh=true returned) → Telegram stand-in: p50 ${v.p50} ms, p90 ${v.p90} ms, p99 ${v.p99} ms, max ${v.max} ms, mean ${Math.round(v.mean)} ms (goal: p99 < 5000 ms: ${v.p99 < 5000 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  index request sent → Telegram stand-in: p50 ${sent.p50} ms, p99 ${sent.p99} ms; load average ${load()}`,
    );
  } finally {
    await service.close();
    await serviceCtx.close();
    await live.stop();
  }
  const stats = await searchStats();
  const nodeAfter = await nodeFigures();
  console.log(
    `  afterwards on this prefix's indices: ${stats.open_contexts} open contexts, ${stats.scroll_current} scrolls open; ` +
      `${fmt(live.sent())} live logs sent in all (${live.failed()} refused); load average ${load()}`,
  );
  console.log(
    `  during the run: parent circuit breaker tripped ${nodeAfter.parentTrips - nodeBefore.parentTrips} times; ` +
      `the benchmark's own requests retried ${serverRetries} times after 429/503; cluster of ${nodeAfter.nodes} node(s)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'lagwatch-bench-es-real-'));
const standIn = await TelegramStandIn.start();
const started = performance.now();
process.once('SIGINT', () => {
  void deleteIndices().finally(() => process.exit(130));
});
try {
  await main(dir, standIn);
} finally {
  await deleteIndices();
  await standIn.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`es-real: ${((performance.now() - started) / 1000).toFixed(0)} s in all; indices ${PREFIX}* deleted`);
}
