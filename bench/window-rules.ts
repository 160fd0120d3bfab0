/**
 * Window rules benchmark: `npx tsx bench/window-rules.ts [embedded logs] [opensearch docs] [scans]`
 * (defaults 10,000,000 / 1,000,000 / 30; 0 skips a phase; WINDOW_BENCH_DB=<path> keeps the
 * embedded store there and reuses it on the next run; ES_REAL_URL overrides
 * http://127.0.0.1:9202, a real OpenSearch 2 node: `npm run -s search:start -- opensearch-2 9202`).
 *
 * What a scan asks of the log source for 50 latency rules, each `per_key` p95 over a 5-minute
 * window (at most 200 series) of its own app with 20 message keys: one `windowStats` call of 50
 * queries whose windows end at the scan's upper bound (a ragged millisecond, a different one per
 * scan). Logs are spread evenly over the 24 hours before that, 50 apps × 20 keys, long-tailed
 * durations, 5 % without a duration.
 *   1. Embedded store: filled through its own inserter and rollup writer (200,000 logs per
 *      transaction; the rows ingest would write). Time per scan's windowStats call, p50/p99 (goal < 100 ms at 10M
 *      logs); also the same rules counting the logs above 200 ms exactly (`countAboveMs`, the
 *      work slow_ratio and SLO rules add).
 *   2. The OpenSearch node: the docs bulk-loaded into one index (1 shard, keyword fields, double
 *      duration), deleted at the end. Time per scan through ElasticsearchLogSource, p50/p99 (goal
 *      < 500 ms at 1M docs), and the searches per scan as the node counted them (`_stats/search`).
 * Nothing fails when a figure misses its goal: the figures are printed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Config } from '../src/config/config.js';
import { loadConfig } from '../src/config/load.js';
import { openSqliteFile } from '../src/db/connection.js';
import { createLogger } from '../src/logging/logger.js';
import { ElasticsearchLogSource } from '../src/logs/elasticsearch/source.js';
import { EmbeddedLogStore } from '../src/logs/embedded/embedded-log-store.js';
import { LogInserter } from '../src/logs/embedded/log-inserter.js';
import { RollupWriter } from '../src/logs/embedded/rollup-writer.js';
import type { LogFields } from '../src/logs/log-record.js';
import type { LogSource } from '../src/logs/source.js';
import type { WindowQuery } from '../src/logs/window-stats.js';
import { bulkLoad, createBenchIndex, searchClient, serverName } from './support/search-index.js';

const EMBEDDED_LOGS = Number(process.argv[2] ?? 10_000_000);
const OPENSEARCH_DOCS = Number(process.argv[3] ?? 1_000_000);
const SCANS = Number(process.argv[4] ?? 30);
if (![EMBEDDED_LOGS, OPENSEARCH_DOCS, SCANS].every((n) => Number.isInteger(n) && n >= 0) || SCANS === 0) {
  console.error('usage: npx tsx bench/window-rules.ts [embedded logs] [opensearch docs] [scans]');
  process.exit(1);
}
const URL_BASE = (process.env.ES_REAL_URL ?? 'http://127.0.0.1:9202').replace(/\/$/, '');
const os = searchClient(URL_BASE);
const DAY = 86_400_000;
const WINDOW_MS = 5 * 60_000;
const APPS = Array.from({ length: 50 }, (_, i) => `app-${String(i).padStart(2, '0')}`);
const KEYS = Array.from({ length: 20 }, (_, i) => `endpoint.${String(i).padStart(2, '0')}`);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

let seed = 12_345;
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/** Log `i` of `count` over [end - 24 h, end). */
function makeLog(i: number, count: number, end: number): LogFields {
  const time = end - DAY + Math.floor((i * DAY) / count);
  // Some endpoints busier than others: the per-key order has something to order.
  const key = KEYS[Math.floor(KEYS.length * random() ** 1.5)]!;
  const r = random();
  const durationMs = r < 0.05 ? null : Math.round((r < 0.97 ? 5 + r * 300 : 300 + (r - 0.97) * 200_000) * 10) / 10;
  return {
    time,
    app: APPS[i % APPS.length]!,
    messageKey: key,
    durationMs,
    correlationId: null,
    level: 'info',
    message: `${key} done`,
  };
}

/** The document of a log (default field preset). */
function docOf(log: LogFields): Record<string, unknown> {
  return {
    '@timestamp': new Date(log.time).toISOString(),
    app_name: log.app,
    message_key: log.messageKey,
    ...(log.durationMs === null ? {} : { duration: log.durationMs }),
    level: log.level,
    message: log.message,
  };
}

const rawOf = (log: LogFields) => JSON.stringify(docOf(log));

function rulesAt(scanEnd: number, countAboveMs?: number): WindowQuery[] {
  return APPS.map((app) => ({
    app,
    messageKey: null,
    perKey: true,
    maxSeries: 200,
    range: { from: scanEnd - WINDOW_MS, to: scanEnd },
    statistic: 'p95' as const,
    ...(countAboveMs === undefined ? {} : { countAboveMs }),
  }));
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** SCANS scans, each ending at another ragged millisecond within the last hour of the data. */
async function measureScans(
  source: LogSource,
  end: number,
  countAboveMs: number | undefined,
  perScan?: () => Promise<number>,
): Promise<{ p50: number; p99: number; cpuMs: number; series: number; counted: number[] }> {
  await source.windowStats(rulesAt(end - 1)); // warm-up: statements prepared, pages cached
  const samples: number[] = [];
  const counted: number[] = [];
  let series = 0;
  let cpuMs = 0;
  for (let i = 0; i < SCANS; i++) {
    const scanEnd = end - 3_600_000 + ((i * 117_119) % 3_500_000) + 1;
    const before = perScan ? await perScan() : 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const answers = await source.windowStats(rulesAt(scanEnd, countAboveMs));
    samples.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuMs += (used.user + used.system) / 1000;
    if (perScan) counted.push((await perScan()) - before);
    series = answers.reduce((n, a) => n + a.length, 0);
  }
  return { ...percentiles(samples), cpuMs: cpuMs / SCANS, series, counted };
}

/**
 * Fills the store's file through its own inserter and rollup writer (what ingestDocuments does
 * after parsing and mapping a document), 200,000 logs per transaction: the logs and rollups are
 * exactly those ingest would write, without the JSON work of made-up documents.
 */
function fillEmbedded(path: string, end: number): number {
  const db = openSqliteFile(path);
  db.pragma('cache_size = -16384');
  db.pragma('wal_autocheckpoint = 10000');
  const inserter = new LogInserter(db);
  const rollups = new RollupWriter(db);
  const chunk = 200_000;
  for (let first = 0; first < EMBEDDED_LOGS; first += chunk) {
    db.transaction(() => {
      for (let i = first; i < Math.min(EMBEDDED_LOGS, first + chunk); i++) {
        const log = makeLog(i, EMBEDDED_LOGS, end);
        inserter.add(log, rawOf(log));
        rollups.add(log);
      }
      inserter.flush();
      rollups.flush();
    }).immediate();
    if ((first / chunk) % 5 === 4 || first + chunk >= EMBEDDED_LOGS) {
      process.stdout.write(`\r  stored ${fmt(Math.min(EMBEDDED_LOGS, first + chunk))} logs`);
    }
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return EMBEDDED_LOGS;
}

async function embeddedPhase(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-bench-window-'));
  const kept = process.env.WINDOW_BENCH_DB;
  try {
    const config = loadConfig({ LOG_LEVEL: 'warn', EMBEDDED_LOG_DB: kept ?? join(dir, 'logs.db') }, undefined);
    const end = kept && existsSync(kept) ? readEnd(kept) : undefined;
    if (end !== undefined) {
      console.log(`  reusing ${kept} (filled for a run ending ${new Date(end).toISOString()})`);
      await measureEmbedded(config, end);
      return;
    }
    await EmbeddedLogStore.open(config).close(); // creates the schema
    const newEnd = Math.floor(Date.now() / 60_000) * 60_000;
    fill(config, newEnd);
    // Only a complete fill is reused.
    if (kept) writeFileSync(`${kept}.end`, String(newEnd));
    await measureEmbedded(config, newEnd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const readEnd = (path: string) => (existsSync(`${path}.end`) ? Number(readFileSync(`${path}.end`, 'utf8')) : undefined);

function fill(config: Config, end: number): void {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const stored = fillEmbedded(config.embedded.path, end);
  const fillS = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const cpuS = (user + system) / 1e6;
  console.log(
    `\n  filled in ${fillS.toFixed(1)} s (${fmt(stored / fillS)} logs/s; ${fmt(stored / cpuS)} per CPU-second), load ${load()}`,
  );
}

async function measureEmbedded(config: Config, end: number): Promise<void> {
  {
    const store = EmbeddedLogStore.open(config);
    for (const above of [undefined, 200]) {
      const r = await measureScans(store, end, above);
      console.log(
        `  embedded, 50 rules × 20 keys, p95 over 5 min${above === undefined ? '' : `, + count above ${above} ms`}: ` +
          `p50 ${ms(r.p50)}, p99 ${ms(r.p99)} per scan, this process's CPU ${ms(r.cpuMs)} per scan ` +
          `(${fmt(r.series)} series; goal < 100 ms), load ${load()}`,
      );
    }
    await store.close();
  }
}

async function openSearchPhase(end: number): Promise<void> {
  const prefix = `bench-${Math.random().toString(36).slice(2, 8)}-`;
  const index = `${prefix}logs-window`;
  console.log(`  server: ${await serverName(os)} at ${URL_BASE}`);
  const removeIndex = await createBenchIndex(os, index, {
    '@timestamp': { type: 'date' },
    app_name: { type: 'keyword' },
    message_key: { type: 'keyword' },
    duration: { type: 'double' },
    level: { type: 'keyword' },
    message: { type: 'text' },
  });
  try {
    const seconds = await bulkLoad(os, index, OPENSEARCH_DOCS, (i) => rawOf(makeLog(i, OPENSEARCH_DOCS, end)), 5_000);
    console.log(`\n  loaded in ${seconds.toFixed(1)} s, load ${load()}`);

    const logger = createLogger(
      loadConfig({ LOG_LEVEL: 'warn' }, undefined),
      new Writable({ write: (_c, _e, done) => done() }),
    );
    const source = await ElasticsearchLogSource.open(
      loadConfig(
        { LOG_SOURCE: 'elasticsearch', ELASTICSEARCH_HOST: URL_BASE, ELASTICSEARCH_INDICES: index },
        undefined,
      ),
      logger,
    );
    const searches = async () =>
      (await os<{ _all: { total: { search: { query_total: number } } } }>('GET', `/${index}/_stats/search`))._all.total
        .search.query_total;
    try {
      for (const above of [undefined, 200]) {
        const r = await measureScans(source, end, above, searches);
        console.log(
          `  OpenSearch, 50 rules × 20 keys, p95 over 5 min${above === undefined ? '' : `, + count above ${above} ms`}: ` +
            `p50 ${ms(r.p50)}, p99 ${ms(r.p99)} per scan, lagwatch's CPU ${ms(r.cpuMs)} per scan ` +
            `(${fmt(r.series)} series; goal < 500 ms), ` +
            `searches per scan ${Math.min(...r.counted)}–${Math.max(...r.counted)}, load ${load()}`,
        );
      }
    } finally {
      await source.close();
    }
  } finally {
    await removeIndex();
  }
}

async function main() {
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  console.log(`window rules benchmark, ${SCANS} scans per figure, load ${load()}`);
  if (EMBEDDED_LOGS > 0) {
    console.log(`embedded store, ${fmt(EMBEDDED_LOGS)} logs over 24 h:`);
    await embeddedPhase();
  }
  if (OPENSEARCH_DOCS > 0) {
    console.log(`OpenSearch, ${fmt(OPENSEARCH_DOCS)} documents over 24 h:`);
    await openSearchPhase(end);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
