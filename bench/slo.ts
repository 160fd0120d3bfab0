/**
 * SLO benchmark: `npx tsx bench/slo.ts [logs per day] [days] [opensearch docs] [runs]`
 * (defaults 1,000,000 / 28 / 10,000,000 / 20; 0 skips a phase; SLO_BENCH_DB=<path> keeps the
 * embedded store there and reuses it on the next run; ES_REAL_URL overrides
 * http://127.0.0.1:9202, a real OpenSearch 2 node).
 *
 * 10 SLOs, one per app (app-0 … app-9; the even ones over every log of the app, the odd ones over
 * one message key), thresholds 150–240 ms amid the durations (5–305 ms, 3 % long tail, 5 %
 * without a duration), so the threshold's histogram bucket is never empty: the embedded store's
 * worst case for exact counts. Logs are spread evenly over the period before `end`.
 *   1. Status: the 10 statuses (period, 5 m, 30 m, 1 h, 6 h and the burn windows: one windowStats
 *      call per SLO), `runs` times, each ending at another ragged millisecond within the last hour:
 *      p50/p95 per SLO and for all 10 (goal p50 < 100 ms per status on the embedded store,
 *      < 300 ms on OpenSearch). The first status of each SLO in a fresh process is reported
 *      apart (cold: the embedded store counts the threshold's bucket raw once per hour).
 *   2. Scan cost: what a scan adds with the 10 SLOs: the burn-window questions of all 10 in one
 *      windowStats call (the period is read only when a series alerts, reminds or resolves).
 * The embedded store is filled through its own inserter and rollup writer (the rows ingest
 * writes). The OpenSearch index (1 shard, keyword fields, double duration) is deleted at the end.
 * Nothing fails when a figure misses its goal: the figures are printed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config/load.js';
import { openSqliteFile } from '../src/db/connection.js';
import { createLogger } from '../src/logging/logger.js';
import { ElasticsearchLogSource } from '../src/logs/elasticsearch/source.js';
import { EmbeddedLogStore } from '../src/logs/embedded/embedded-log-store.js';
import { LogInserter } from '../src/logs/embedded/log-inserter.js';
import { RollupWriter } from '../src/logs/embedded/rollup-writer.js';
import type { LogFields } from '../src/logs/log-record.js';
import type { LogSource } from '../src/logs/source.js';
import type { WindowRule } from '../src/rules/kinds/kind.js';
import type { SloRule } from '../src/rules/kinds/slo/burn.js';
import { sloKind } from '../src/rules/kinds/slo/index.js';
import { sloStatus } from '../src/rules/kinds/slo/reports.js';
import { findingsOf } from '../src/scan/window-evaluation.js';
import { bulkLoad, createBenchIndex, searchClient, serverName } from './support/search-index.js';

const PER_DAY = Number(process.argv[2] ?? 1_000_000);
const DAYS = Number(process.argv[3] ?? 28);
const OPENSEARCH_DOCS = Number(process.argv[4] ?? 10_000_000);
const RUNS = Number(process.argv[5] ?? 20);
if (![PER_DAY, DAYS, OPENSEARCH_DOCS, RUNS].every((n) => Number.isInteger(n) && n >= 0) || RUNS === 0 || DAYS === 0) {
  console.error('usage: npx tsx bench/slo.ts [logs per day] [days] [opensearch docs] [runs]');
  process.exit(1);
}
const URL_BASE = (process.env.ES_REAL_URL ?? 'http://127.0.0.1:9202').replace(/\/$/, '');
const os = searchClient(URL_BASE);
const DAY = 86_400_000;
const APPS = Array.from({ length: 10 }, (_, i) => `app-${i}`);
const KEYS = Array.from({ length: 20 }, (_, i) => `endpoint.${String(i).padStart(2, '0')}`);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

let seed = 4242;
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/** Log `i` of `count` over [end − DAYS, end). */
function makeLog(i: number, count: number, end: number): LogFields {
  const time = end - DAYS * DAY + Math.floor((i * DAYS * DAY) / count);
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
    message: null,
  };
}

function docOf(log: LogFields): Record<string, unknown> {
  return {
    '@timestamp': new Date(log.time).toISOString(),
    app_name: log.app,
    message_key: log.messageKey,
    ...(log.durationMs === null ? {} : { duration: log.durationMs }),
    level: log.level,
  };
}

const slos: SloRule[] = APPS.map(
  (app, i) =>
    ({
      id: i + 1,
      kind: 'slo',
      name: `slo ${app}`,
      app_name: app,
      message_key: i % 2 === 0 ? null : KEYS[0],
      is_active: true,
      alert_channels: [],
      cooldown_minutes: 0,
      notify_resolved: true,
      managed_by: null,
      managed_file: null,
      created_at: '',
      updated_at: '',
      threshold_ms: 150 + i * 10,
      objective: 99.5,
      period_days: DAYS,
      burn_alerts: [
        { long_minutes: 60, short_minutes: 5, factor: 14.4 },
        { long_minutes: 360, short_minutes: 30, factor: 6 },
      ],
    }) as WindowRule as SloRule,
);

function quantiles(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
  return { p50: at(0.5), p95: at(0.95) };
}

async function measure(source: LogSource, end: number, label: string): Promise<void> {
  const read = (q: Parameters<LogSource['windowStats']>[0]) => source.windowStats(q);
  // The first status of each SLO in this process (the embedded store counts each hour once).
  const cold: number[] = [];
  let counts = '';
  for (const rule of slos) {
    const started = performance.now();
    const status = await sloStatus({ rule, read, now: end - 1, firing: false });
    cold.push(performance.now() - started);
    if (rule === slos[0]) counts = `good ${fmt(status.good)}, bad ${fmt(status.bad)} (${rule.name})`;
  }
  const first = quantiles(cold);
  console.log(
    `  ${label}: first status of each SLO (cold) p50 ${ms(first.p50)}, max ${ms(Math.max(...cold))}; ${counts}, load ${load()}`,
  );
  const perSlo: number[] = [];
  const perAll: number[] = [];
  const scans: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const now = end - 3_600_000 + ((run * 117_119) % 3_500_000) + 1;
    const all = performance.now();
    for (const rule of slos) {
      const started = performance.now();
      await sloStatus({ rule, read, now, firing: false });
      perSlo.push(performance.now() - started);
    }
    perAll.push(performance.now() - all);
    const started = performance.now();
    await findingsOf(
      read,
      slos.map((rule) => ({ kind: sloKind, rule })),
      now,
    );
    scans.push(performance.now() - started);
  }
  const one = quantiles(perSlo);
  const ten = quantiles(perAll);
  const scan = quantiles(scans);
  console.log(
    `  ${label}: status per SLO p50 ${ms(one.p50)}, p95 ${ms(one.p95)}; all 10 p50 ${ms(ten.p50)}, p95 ${ms(ten.p95)}; ` +
      `scan cost of 10 SLOs p50 ${ms(scan.p50)}, p95 ${ms(scan.p95)} (${RUNS} runs), load ${load()}`,
  );
}

function fillEmbedded(path: string, end: number, count: number): void {
  const started = performance.now();
  const db = openSqliteFile(path);
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 10000');
  const inserter = new LogInserter(db);
  const rollups = new RollupWriter(db);
  const chunk = 200_000;
  for (let first = 0; first < count; first += chunk) {
    db.transaction(() => {
      for (let i = first; i < Math.min(count, first + chunk); i++) {
        const log = makeLog(i, count, end);
        inserter.add(log, JSON.stringify(docOf(log)));
        rollups.add(log);
      }
      inserter.flush();
      rollups.flush();
    }).immediate();
    process.stdout.write(`\r  stored ${fmt(Math.min(count, first + chunk))} logs, load ${load()}   `);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const s = (performance.now() - started) / 1000;
  console.log(`\n  filled in ${s.toFixed(0)} s (${fmt(count / s)} logs/s)`);
}

async function embeddedPhase(): Promise<void> {
  const count = PER_DAY * DAYS;
  console.log(`embedded store, ${fmt(count)} logs over ${DAYS} d:`);
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-bench-slo-'));
  const kept = process.env.SLO_BENCH_DB;
  const path = kept ?? join(dir, 'logs.db');
  try {
    const config = loadConfig({ LOG_LEVEL: 'warn', EMBEDDED_LOG_DB: path }, undefined);
    let end = kept && existsSync(`${kept}.end`) ? Number(readFileSync(`${kept}.end`, 'utf8')) : undefined;
    if (end === undefined) {
      await EmbeddedLogStore.open(config).close();
      end = Math.floor(Date.now() / 60_000) * 60_000;
      fillEmbedded(path, end, count);
      if (kept) writeFileSync(`${kept}.end`, String(end));
    } else {
      console.log(`  reusing ${kept} (filled for a run ending ${new Date(end).toISOString()})`);
    }
    const store = EmbeddedLogStore.open(config);
    try {
      await measure(store, end, 'embedded');
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function openSearchPhase(): Promise<void> {
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const index = `bench-slo-${Math.random().toString(36).slice(2, 8)}`;
  console.log(
    `OpenSearch, ${fmt(OPENSEARCH_DOCS)} documents over ${DAYS} d: ${await serverName(os)} at ${URL_BASE}, index ${index}`,
  );
  const removeIndex = await createBenchIndex(os, index, {
    '@timestamp': { type: 'date' },
    app_name: { type: 'keyword' },
    message_key: { type: 'keyword' },
    duration: { type: 'double' },
    level: { type: 'keyword' },
  });
  try {
    const seconds = await bulkLoad(
      os,
      index,
      OPENSEARCH_DOCS,
      (i) => JSON.stringify(docOf(makeLog(i, OPENSEARCH_DOCS, end))),
      10_000,
    );
    console.log(`\n  loaded in ${seconds.toFixed(0)} s, load ${load()}`);
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
    try {
      await measure(source, end, 'OpenSearch');
    } finally {
      await source.close();
    }
  } finally {
    await removeIndex();
  }
}

async function main() {
  console.log(`SLO benchmark, 10 SLOs, ${RUNS} runs per figure, load ${load()}`);
  if (PER_DAY > 0) await embeddedPhase();
  if (OPENSEARCH_DOCS > 0) await openSearchPhase();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
