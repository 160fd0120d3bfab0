/**
 * Scan benchmark: `npx tsx bench/scan.ts [count...]` (default 1,000,000 and 10,000,000).
 *
 * For each count, generates an embedded log store (12 apps, 1 % of logs over their app rule's
 * threshold, realistic raw documents) in a temp folder, inserting in chunks so that generation
 * stays small in memory, then measures, each in a fresh child process so that its peak RSS is
 * its own:
 *   - the catch-up scan: `Scanner.run()` from no checkpoint (built by createScanServices over a
 *     SQLite state database): logs evaluated per second, violations recorded, peak RSS;
 *   - the raw limit: one SQL pass over the same rows (better-sqlite3 `iterate` of the columns
 *     the scanner reads, counting those over the threshold in JavaScript).
 * Goal: >= 1,000,000 logs/s evaluated, peak RSS under 256 MB at 10M.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqliteFile } from '../src/db/connection.js';

const APPS = Array.from({ length: 12 }, (_, i) => `app-${i}`);
const THRESHOLD_MS = 1000;
const VIOLATING = 0.01;
const CHUNK = 50_000;

const perSecond = (n: number, ms: number) => Math.round((n * 1000) / ms);
const mb = (kb: number) => Math.round(kb / 1024);
const fmt = (n: number) => n.toLocaleString('en-US');

function envFor(dir: string): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    DB_DRIVER: 'sqlite',
    DB_DATABASE: join(dir, 'state.db'),
    EMBEDDED_LOG_DB: join(dir, 'logs.db'),
    SCAN_LAG_SECONDS: '0',
    SCAN_INITIAL_LOOKBACK_MINUTES: '525600',
  };
}

/** Inserts `count` logs straight into the store's table, chunk by chunk. */
async function generate(dir: string, count: number): Promise<{ violating: number; ms: number }> {
  const started = performance.now();
  const { loadConfig } = await import('../src/config/load.js');
  const { EmbeddedLogStore } = await import('../src/logs/embedded/embedded-log-store.js');
  const config = loadConfig(envFor(dir), undefined);
  EmbeddedLogStore.open(config).close(); // creates the schema
  const db = openSqliteFile(config.embedded.path);
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    'INSERT INTO logs (time, app, message_key, duration_ms, correlation_id, level, message, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // A fixed-seed generator: the same store every run.
  let state = 12345;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const t0 = Date.now() - 86_400_000;
  const spacing = 86_000_000 / count;
  let violating = 0;
  for (let start = 0; start < count; start += CHUNK) {
    db.transaction(() => {
      for (let i = start; i < Math.min(start + CHUNK, count); i++) {
        const app = APPS[i % APPS.length]!;
        const slow = random() < VIOLATING;
        if (slow) violating++;
        const duration = slow ? THRESHOLD_MS + 1 + Math.floor(random() * 4000) : Math.floor(random() * THRESHOLD_MS);
        const time = Math.floor(t0 + i * spacing);
        const key = `GET /r${i % 40}`;
        const cid = i % 10 === 0 ? `t${i.toString(36)}` : null;
        const message = `${key} done`;
        const raw = `{"@timestamp":"${new Date(time).toISOString()}","app_name":"${app}","message_key":"${key}","duration":${duration},"level":"info","message":"${message}"${cid ? `,"correlation_id":"${cid}"` : ''}}`;
        insert.run(time, app, key, duration, cid, 'info', message, raw);
      }
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { violating, ms: performance.now() - started };
}

interface Measured {
  logs: number;
  matched: number;
  ms: number;
  maxRssKb: number;
}

async function measureScan(dir: string): Promise<Measured> {
  // Imported here: the raw pass's child loads none of this.
  const { loadConfig } = await import('../src/config/load.js');
  const { createAppContext } = await import('../src/app/create-context.js');
  const { migrateToLatest } = await import('../src/db/migrate.js');
  const { createLogger } = await import('../src/logging/logger.js');
  const { createScanServices } = await import('../src/app/scan-services.js');
  const config = loadConfig(envFor(dir), undefined);
  const ctx = createAppContext(config, createLogger({ logLevel: 'silent' }));
  await migrateToLatest(ctx.state);
  for (const app of APPS) {
    await ctx.appRules.create({ app_name: app, max_duration: THRESHOLD_MS, alert_channels: ['webhook'] }, 'bench');
  }
  const services = await createScanServices(ctx);
  const started = performance.now();
  const report = await services.scanner.run();
  const ms = performance.now() - started;
  if (report.status !== 'success') throw new Error(`scan ${report.status}: ${report.error}`);
  await services.close();
  await ctx.close();
  return { logs: report.logsScanned, matched: report.violations, ms, maxRssKb: process.resourceUsage().maxRSS };
}

/**
 * One SQL pass over the same rows: `all` brings every row's scanned columns to JavaScript and
 * tests the threshold there; `filtered` pushes the threshold into SQL as the scan does.
 */
function measureRaw(dir: string, variant: 'all' | 'filtered'): Measured {
  const db = openSqliteFile(join(dir, 'logs.db'));
  const columns = 'seq, time, app, message_key, duration_ms, correlation_id, level, message';
  const started = performance.now();
  let logs = 0;
  let matched = 0;
  if (variant === 'all') {
    const rows = db.prepare(`SELECT ${columns} FROM logs ORDER BY seq`).raw().iterate() as IterableIterator<unknown[]>;
    for (const row of rows) {
      logs++;
      if ((row[4] as number | null) !== null && (row[4] as number) > THRESHOLD_MS) matched++;
    }
  } else {
    const rows = db
      .prepare(`SELECT ${columns} FROM logs WHERE duration_ms > ? ORDER BY seq`)
      .raw()
      .iterate(THRESHOLD_MS);
    for (const _row of rows) matched++;
    logs = (db.prepare('SELECT max(seq) AS n FROM logs').get() as { n: number }).n;
  }
  const ms = performance.now() - started;
  db.close();
  return { logs, matched, ms, maxRssKb: process.resourceUsage().maxRSS };
}

type Mode = 'scan' | 'raw-all' | 'raw-filtered';

function inChild(mode: Mode, dir: string): Measured {
  const tsx = pathToFileURL(join(import.meta.dirname, '../node_modules/tsx/dist/loader.mjs')).href;
  const child = spawnSync(process.execPath, ['--import', tsx, import.meta.filename, `--${mode}`, dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`${mode} child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Measured;
}

async function main(): Promise<void> {
  const mode = process.argv[2]?.startsWith('--') ? (process.argv[2].slice(2) as Mode) : undefined;
  if (mode) {
    const dir = process.argv[3]!;
    const measured =
      mode === 'scan' ? await measureScan(dir) : measureRaw(dir, mode === 'raw-all' ? 'all' : 'filtered');
    process.stdout.write(`${JSON.stringify(measured)}\n`);
    return;
  }
  const counts = process.argv.slice(2).map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n <= 0)) {
    console.error('usage: npx tsx bench/scan.ts [count...]');
    process.exit(1);
  }
  if (counts.length === 0) counts.push(1_000_000, 10_000_000);
  console.log(
    `bench/scan: Node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const count of counts) {
    const dir = mkdtempSync(join(tmpdir(), 'lagwatch-bench-scan-'));
    try {
      const generated = await generate(dir, count);
      const size = statSync(join(dir, 'logs.db')).size;
      console.log(
        `\n${fmt(count)} logs (${fmt(generated.violating)} violating, store ${mb(size / 1024)} MB, generated in ${(generated.ms / 1000).toFixed(1)} s)`,
      );
      const rawAll = inChild('raw-all', dir);
      const raw = inChild('raw-filtered', dir);
      const scan = inChild('scan', dir);
      for (const m of [rawAll, raw, scan]) {
        if (m.logs !== count || m.matched !== generated.violating) {
          throw new Error(`counts disagree: ${JSON.stringify({ rawAll, raw, scan, generated })}`);
        }
      }
      const line = (what: string, m: Measured) =>
        `  ${what.padEnd(40)} ${fmt(perSecond(m.logs, m.ms)).padStart(11)} logs/s  (${(m.ms / 1000).toFixed(2)} s, peak RSS ${mb(m.maxRssKb)} MB)`;
      console.log(line('raw SQL pass, every row to JS:', rawAll));
      console.log(line('raw SQL pass, threshold in SQL:', raw));
      console.log(`${line('catch-up scan (Scanner.run):', scan)}, ${fmt(scan.matched)} violations recorded`);
      console.log(
        `  scan speed / raw limit (threshold in SQL): ${((raw.ms / scan.ms) * 100).toFixed(0)} %; goal: >= 1,000,000 logs/s${count >= 10_000_000 ? ', peak RSS < 256 MB' : ''}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
