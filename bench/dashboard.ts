/**
 * Dashboard benchmark: `npx tsx bench/dashboard.ts [count]` (default 1,000,000; the goal is
 * stated for 10,000,000).
 *
 * Fills a fresh embedded store with `count` logs spread evenly over 24 hours, through the
 * store's own ingest (large transactions, rollups kept as in production), and a state
 * database with violations for 0.5% of them. Then measures, in the same run:
 *   - GET /dashboard/overview figures (computeOverview: source summary + violations by type);
 *   - GET /dashboard/timeseries figures (automatic interval: 5-minute buckets over 24 h), for all
 *     apps and for one app;
 *   - GET /dashboard/apps figures (per app, slowest keys);
 *   - the baseline: a plain GROUP BY over the raw rows giving the overview's log figures.
 * Each range ends at a different ragged second, so rollups serve the inside and raw rows
 * the edges, as on a live dashboard. Goal: overview p50 < 50 ms at 10M logs.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from '../src/config/config.js';
import { loadConfig } from '../src/config/load.js';
import { openStateDb } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { EmbeddedLogStore } from '../src/logs/embedded/embedded-log-store.js';
import type { TimeRange } from '../src/logs/source.js';
import { computeApps } from '../src/stats/apps.js';
import { chooseInterval } from '../src/stats/interval.js';
import { computeOverview } from '../src/stats/overview.js';
import { computeTimeseries } from '../src/stats/timeseries.js';

const count = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 50);
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(runs) || runs <= 0) {
  console.error('usage: npx tsx bench/dashboard.ts [count] [runs]');
  process.exit(1);
}

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'lagwatch-bench-dashboard-'));
const fmt = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;

const config: Config = {
  ...loadConfig(
    { LOG_LEVEL: 'warn', EMBEDDED_LOG_DB: join(dir, 'logs.db'), DB_DATABASE: join(dir, 'state.db') },
    undefined,
  ),
};

const APPS = ['checkout', 'search', 'auth', 'catalog', 'billing', 'notifications', 'gateway', 'reports'];
const KEYS = ['http.request', 'db.query', 'cache.get', 'queue.consume', 'render', 'external.call'];
const LEVELS = ['info', 'info', 'info', 'info', 'debug', 'warn', 'error'];

interface BenchViolation {
  time: number;
  app: string;
  key: string;
  duration: number;
}

/**
 * Fills the store with `count` logs, evenly spread over [end - 24 h, end), 8 apps of 6 message
 * keys, long-tailed durations, 5% without duration; 100,000 documents per ingest transaction.
 * Every 200th log with a duration is also returned as a violation to record.
 */
function fill(store: EmbeddedLogStore, end: number): { docs: number; violations: BenchViolation[] } {
  const chunk = 100_000;
  const step = DAY / count;
  const violations: BenchViolation[] = [];
  let seed = 12_345;
  const random = () => {
    seed = (seed * 48_271) % 2_147_483_647;
    return seed / 2_147_483_647;
  };
  let docs = 0;
  for (let first = 0; first < count; first += chunk) {
    const batch: object[] = [];
    for (let i = first; i < Math.min(count, first + chunk); i++) {
      const time = end - DAY + Math.floor(i * step);
      const app = APPS[i % APPS.length];
      const key = KEYS[Math.floor(random() * KEYS.length)];
      const r = random();
      // Mostly 5-200 ms, a tail up to ~10 s.
      const duration =
        r < 0.05 ? undefined : Math.round((r < 0.97 ? 5 + r * 200 : 200 + (r - 0.97) * 330_000) * 10) / 10;
      batch.push({
        '@timestamp': new Date(time).toISOString(),
        app_name: app,
        message_key: key,
        duration,
        level: LEVELS[i % LEVELS.length],
        correlation_id: `req-${Math.floor(i / 4)}`,
        message: `${key} done`,
      });
      if (i % 200 === 0 && duration !== undefined) violations.push({ time, app, key, duration });
    }
    docs += store.ingestDocuments(batch).accepted;
    if ((first / chunk) % 10 === 9 || first + chunk >= count) process.stdout.write(`\r  ingested ${fmt(docs)} logs`);
  }
  process.stdout.write('\n');
  return { docs, violations };
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
  return { p50: at(0.5), p99: at(0.99) };
}

async function measure(
  name: string,
  n: number,
  run: (range: TimeRange) => Promise<unknown> | unknown,
  base: TimeRange,
) {
  await run(base); // warm-up: statements prepared, pages cached
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    // A different ragged end per run, as a dashboard refreshing every few seconds sees it.
    const shift = (i * 7_919) % 60_000;
    const range = { from: base.from + shift, to: base.to - 60_000 + shift };
    const started = performance.now();
    await run(range);
    samples.push(performance.now() - started);
  }
  const { p50, p99 } = percentiles(samples);
  return { name, runs: n, p50, p99 };
}

async function main() {
  console.log(`dashboard benchmark: ${fmt(count)} embedded logs over 24 hours, ${runs} runs per figure`);
  const end = Math.floor(Date.now() / 1000) * 1000 + 123;
  const store = EmbeddedLogStore.open(config);
  const state = openStateDb(config.db);
  await migrateToLatest(state);

  const fillStarted = performance.now();
  const { docs, violations } = fill(store, end);
  const fillMs = performance.now() - fillStarted;
  console.log(
    `  fill: ${fmt(docs)} logs in ${(fillMs / 1000).toFixed(1)} s (${fmt(Math.round((docs * 1000) / fillMs))} logs/s)`,
  );

  const rows = violations.map((v, i) => ({
    dedupe_key: `bench-${i}`,
    source_id: String(i),
    rule_type: (i % 3 === 0 ? 'message' : 'app') as 'app' | 'message',
    rule_id: 1,
    app_name: v.app,
    message_key: v.key,
    duration_ms: v.duration,
    threshold_ms: v.duration / 2,
    log_time: v.time,
    correlation_id: null,
    level: null,
    message: null,
    created_at: v.time,
  }));
  await state.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500)
      await trx
        .insertInto('violations')
        .values(rows.slice(i, i + 500))
        .execute();
  });
  console.log(
    `  state: ${fmt(rows.length)} violations; log store file ${fmt(Math.round(statSync(config.embedded.path).size / 1_048_576))} MiB`,
  );

  const day: TimeRange = { from: end - DAY + 37_123, to: end };
  const interval = chooseInterval(day.to - day.from);
  const raw = new SQLite(config.embedded.path, { readonly: true });
  const rawSummary = raw.prepare(
    'SELECT app, level, count(*) AS c, count(duration_ms) AS dc, total(duration_ms) AS ds FROM logs WHERE time >= ? AND time < ? GROUP BY app, level',
  );
  const rawRuns = Math.max(3, Math.min(runs, Math.round(20_000_000 / count)));

  const results = [
    await measure('overview (rollups + raw edges)', runs, (r) => computeOverview(store, state.db, r), day),
    await measure(
      `timeseries (${interval / 60_000}-minute buckets)`,
      runs,
      (r) => computeTimeseries(store, state.db, r, interval),
      day,
    ),
    await measure(
      `timeseries (${interval / 60_000}-minute buckets, app_name=${APPS[0]})`,
      runs,
      (r) => computeTimeseries(store, state.db, r, interval, APPS[0]),
      day,
    ),
    await measure(
      'apps (per app, slowest keys)',
      runs,
      (r) => computeApps(store, state.db, r, undefined, { page: 1, per_page: 50 }),
      day,
    ),
    await measure('baseline: GROUP BY app, level over raw rows', rawRuns, (r) => rawSummary.all(r.from, r.to), day),
  ];
  console.log('');
  console.log(`| figure (${fmt(docs)} logs, 24 h) | runs | p50 | p99 |`);
  console.log('|---|---|---|---|');
  for (const r of results) console.log(`| ${r.name} | ${r.runs} | ${ms(r.p50)} | ${ms(r.p99)} |`);
  const overview = results[0];
  console.log('');
  console.log(`goal overview p50 < 50 ms: ${overview.p50 < 50 ? 'met' : 'NOT met'} (${ms(overview.p50)})`);

  raw.close();
  await store.close();
  await state.close();
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
