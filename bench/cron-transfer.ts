/**
 * Documents transferred per violation by cron-run scans on a real OpenSearch node:
 * `npx tsx bench/cron-transfer.ts [minutes] [interval seconds] [docs per second]`
 * (default 5 minutes, a scan every 15 s, 20 documents a second, 5 % of them violating;
 * `CRON_URL`, default `http://127.0.0.1:9202`).
 *
 * Creates its own index `bench-cron-<random>-logs-1` and writes documents at a steady rate
 * (one bulk a second, the node's own 1 s refresh), plus every 30 s one violating document with a
 * time 5 minutes back (late, inside the 900 s overlap). Two installations scan the same index,
 * each with its own SQLite state database and the default scan settings:
 *   - cron: every interval a new process (this script with `--scan-once`) does what
 *     `log:alert-scan` does (a new context, one Scanner.run) and reports what it transferred;
 *   - start: one long-lived context in this process scans at the same interval, as `start` does.
 * The first scan of each (the look back over an empty past) is left out of the figures. At the
 * end, after ingest stopped, one last scan of each; every violating document sent must be
 * recorded exactly once by each. Deletes the index.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createAppContext } from '../src/app/create-context.js';
import { createScanServices } from '../src/app/scan-services.js';
import { loadConfig } from '../src/config/load.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logging/logger.js';
import { ElasticsearchLogSource } from '../src/logs/elasticsearch/source.js';
import { LOG_INDEX_MAPPINGS } from '../test/support/log-documents.js';

interface ScanResult {
  status: string;
  error?: string;
  violations: number;
  transferred: number;
}

const URL_BASE = (process.env.CRON_URL ?? 'http://127.0.0.1:9202').replace(/\/$/, '');

function configFor(dir: string, prefix: string) {
  return loadConfig(
    {
      LOG_LEVEL: 'silent',
      LOG_SOURCE: 'elasticsearch',
      ELASTICSEARCH_HOST: URL_BASE,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      DB_DRIVER: 'sqlite',
      DB_DATABASE: join(dir, 'state.db'),
      SCAN_INITIAL_LOOKBACK_MINUTES: '10',
    },
    undefined,
  );
}

/** One scan in a context of its own; `transferred`: the documents its source read. */
async function scanOnce(dir: string, prefix: string, keep?: Awaited<ReturnType<typeof openInstallation>>) {
  const installation = keep ?? (await openInstallation(dir, prefix));
  const readBefore = installation.source ? installation.source.counters.documentsRead : 0;
  const report = await installation.services.scanner.run();
  const source = await installation.ctx.logSource();
  if (!(source instanceof ElasticsearchLogSource)) throw new Error('the log source is not Elasticsearch');
  installation.source = source;
  const result: ScanResult = {
    status: report.status,
    ...(report.error ? { error: report.error } : {}),
    violations: report.violations,
    transferred: source.counters.documentsRead - readBefore,
  };
  if (!keep) await installation.close();
  return result;
}

async function openInstallation(dir: string, prefix: string) {
  const ctx = createAppContext(configFor(dir, prefix), createLogger({ logLevel: 'silent' }));
  await migrateToLatest(ctx.state);
  const services = await createScanServices(ctx);
  return {
    ctx,
    services,
    source: undefined as ElasticsearchLogSource | undefined,
    async close() {
      await services.close();
      await ctx.close();
    },
  };
}

if (process.argv[2] === '--scan-once') {
  const result = await scanOnce(process.argv[3]!, process.argv[4]!);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const MINUTES = Number(process.argv[2] ?? 5);
const INTERVAL_S = Number(process.argv[3] ?? 15);
const RATE = Number(process.argv[4] ?? 20);
const PREFIX = `bench-cron-${Math.random().toString(36).slice(2, 8)}-`;
const INDEX = `${PREFIX}logs-1`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function os(method: string, path: string, body?: string | object, ndjson = false): Promise<unknown> {
  const response = await fetch(`${URL_BASE}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  const parsed = text ? JSON.parse(text) : undefined;
  if (parsed?.errors === true) throw new Error(`${method} ${path}: a bulk item was refused`);
  return parsed;
}

function runCronProcess(dir: string): Promise<ScanResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'cron-transfer.ts'), '--scan-once', dir, PREFIX],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '' } },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`scan process exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ScanResult);
    });
  });
}

let sent = 0;
let violating = 0;
let late = 0;
let running = true;
async function ingest(): Promise<void> {
  let i = 0;
  let nextLate = Date.now() + 30_000;
  for (let tick = Date.now(); running; tick += 1000) {
    const lines: string[] = [];
    for (let k = 0; k < RATE; k++, i++) {
      const slow = i % 20 === 7;
      lines.push(JSON.stringify({ index: {} }));
      lines.push(
        JSON.stringify({
          '@timestamp': new Date(Date.now() - Math.floor(Math.random() * 1500)).toISOString(),
          app_name: 'cron-app',
          message_key: 'GET /report',
          duration: slow ? 600 + (i % 400) : 10 + (i % 390),
          correlation_id: `c-${i}`,
        }),
      );
      if (slow) violating++;
    }
    if (Date.now() >= nextLate) {
      nextLate += 30_000;
      lines.push(JSON.stringify({ index: {} }));
      lines.push(
        JSON.stringify({
          '@timestamp': new Date(Date.now() - 5 * 60_000).toISOString(),
          app_name: 'cron-app',
          message_key: 'GET /report',
          duration: 990,
          correlation_id: `late-${late}`,
        }),
      );
      violating++;
      late++;
    }
    await os('POST', `/${INDEX}/_bulk`, `${lines.join('\n')}\n`, true);
    sent += lines.length / 2;
    await sleep(Math.max(0, tick + 1000 - Date.now()));
  }
}

const cronDir = mkdtempSync(join(tmpdir(), 'lagwatch-cron-'));
const startDir = mkdtempSync(join(tmpdir(), 'lagwatch-start-'));
const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
await os('PUT', `/${INDEX}`, {
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: LOG_INDEX_MAPPINGS,
});
const start = await openInstallation(startDir, PREFIX);
try {
  const { version } = (await os('GET', '/')) as { version: { number: string; distribution?: string } };
  console.log(
    `cron-transfer: ${version.distribution ?? 'elasticsearch'} ${version.number} at ${URL_BASE}; ${RATE} docs/s ` +
      `(5 % violating, one 5-min-late violation every 30 s), a scan every ${INTERVAL_S} s for ${MINUTES} min; ` +
      `${availableParallelism()} × ${cpu}; load ${load()}`,
  );
  // Both installations get the same rule; created through a context of each.
  const cronSetup = await openInstallation(cronDir, PREFIX);
  for (const ctx of [start.ctx, cronSetup.ctx]) {
    await ctx.appRules.create({ app_name: 'cron-app', max_duration: 500, alert_channels: ['webhook'] }, 'bench');
  }
  await cronSetup.close();
  const ingesting = ingest();
  await sleep(3_000);

  const totals = {
    cron: { scans: 0, violations: 0, transferred: 0 },
    start: { scans: 0, violations: 0, transferred: 0 },
  };
  const until = Date.now() + MINUTES * 60_000;
  for (let round = 0; Date.now() < until; round++) {
    const roundStarted = Date.now();
    const [cron, long] = await Promise.all([runCronProcess(cronDir), scanOnce(startDir, PREFIX, start)]);
    for (const [name, r] of [
      ['cron', cron],
      ['start', long],
    ] as const) {
      if (r.status !== 'success') throw new Error(`${name} scan ${r.status}: ${r.error}`);
      if (round === 0) continue; // the look back over the empty past
      totals[name].scans++;
      totals[name].violations += r.violations;
      totals[name].transferred += r.transferred;
    }
    if (round % 4 === 0) {
      console.log(
        `  round ${round}: cron ${cron.transferred} transferred / ${cron.violations} violations, ` +
          `start ${long.transferred} / ${long.violations}; load ${load()}`,
      );
    }
    await sleep(Math.max(0, roundStarted + INTERVAL_S * 1000 - Date.now()));
  }
  running = false;
  await ingesting;
  await sleep(3_000); // past the lag and a refresh
  const [cronLast, startLast] = await Promise.all([runCronProcess(cronDir), scanOnce(startDir, PREFIX, start)]);
  const recorded = (dir: string) => {
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    const row = db.prepare('SELECT count(*) AS n, count(DISTINCT source_id) AS d FROM violations').get() as {
      n: number;
      d: number;
    };
    db.close();
    return row;
  };
  const cronRecorded = recorded(cronDir);
  const startRecorded = recorded(startDir);

  console.log('');
  console.log(`| mode | scans | violations | transferred | per violation |`);
  console.log(`|---|---|---|---|---|`);
  for (const [name, t, last] of [
    ['cron (`log:alert-scan`, a new process each scan)', totals.cron, cronLast],
    ['`start` (one process)', totals.start, startLast],
  ] as const) {
    const violations = t.violations + last.violations;
    const transferred = t.transferred + last.transferred;
    console.log(
      `| ${name} | ${t.scans + 1} | ${violations} | ${transferred} | **${(transferred / violations).toFixed(3)}** |`,
    );
  }
  console.log('');
  console.log(
    `documents sent ${sent}, violating ${violating} (${late} late); recorded: cron ${cronRecorded.n} ` +
      `(${cronRecorded.d} distinct), start ${startRecorded.n} (${startRecorded.d} distinct); load ${load()}`,
  );
  if (cronRecorded.n !== violating || startRecorded.n !== violating || cronRecorded.d !== cronRecorded.n) {
    console.log('MISMATCH: not every violating document was recorded exactly once');
    process.exitCode = 1;
  }
} finally {
  running = false;
  await start.close();
  await os('DELETE', `/${INDEX}`).catch((error: unknown) => console.error(`could not delete ${INDEX}: ${error}`));
  rmSync(cronDir, { recursive: true, force: true });
  rmSync(startDir, { recursive: true, force: true });
}
