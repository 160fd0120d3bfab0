/**
 * Ingest benchmark: `npx tsx bench/ingest.ts [count]` (default 1,000,000).
 *
 * Generates realistic logs (the demo generator) to an NDJSON file in a temp folder, then
 * measures in the same run:
 *   - the raw limit: JSON.parse of every line and an insert through one prepared statement in
 *     one transaction into a bare table (lines already in memory);
 *   - what each index of the embedded store costs on top of that raw loop;
 *   - logs/s through importFiles (what `lagwatch logs:import` runs) into a fresh store;
 *   - logs/s through POST /ingest with 1,000-line bodies through the real server on a loopback
 *     port: one client sending one body after the other, then two clients at once (the default
 *     INGEST_MAX_CONCURRENT), which keeps the ingest thread busy while the next body arrives.
 * Goals (issue 14): import >= 150,000 logs/s and POST /ingest >= 100,000 logs/s on a quiet
 * 2-core machine; the first version's goal was import >= 100,000 logs/s and >= half the raw limit.
 */

import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createAppContext } from '../src/app/create-context.js';
import type { Config } from '../src/config/config.js';
import { loadConfig } from '../src/config/load.js';
import { openSqliteFile } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { generateDemoLogs } from '../src/demo/generate.js';
import { buildServer } from '../src/http/server.js';
import { createLogger } from '../src/logging/logger.js';
import { EmbeddedLogStore } from '../src/logs/embedded/embedded-log-store.js';
import { importFiles } from '../src/logs/ndjson/import-files.js';

const count = Number(process.argv[2] ?? 1_000_000);
if (!Number.isInteger(count) || count <= 0) {
  console.error('usage: npx tsx bench/ingest.ts [count]');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'lagwatch-bench-ingest-'));
const perSecond = (n: number, ms: number) => Math.round((n * 1000) / ms);

/** Wall time, and this process's CPU time (less disturbed when the machine is busy). */
interface Timing {
  wallMs: number;
  cpuMs: number;
}

function startTiming(): () => Timing {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
  };
}

/**
 * CPU time per thread of this process (Linux /proc; empty elsewhere), in ms: it tells the
 * ingest thread's work from the event loop's (server and client), however busy the machine is.
 */
function threadCpuMs(): Map<string, number> {
  if (!existsSync('/proc/self/task')) return new Map();
  return new Map(
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100] as const; // clock ticks of 10 ms
    }),
  );
}

const rates = (n: number, t: Timing) =>
  `${fmt(perSecond(n, t.wallMs)).padStart(9)} logs/s  (${fmt(perSecond(n, t.cpuMs)).padStart(9)} per CPU-second)`;
const fmt = (n: number) => n.toLocaleString('en-US');

async function generate(path: string): Promise<void> {
  const out = createWriteStream(path);
  const chunk = 50_000;
  const now = Date.now();
  const chunks = Math.ceil(count / chunk);
  for (let i = 0; i < chunks; i++) {
    const n = Math.min(chunk, count - i * chunk);
    // Consecutive 10-minute windows, oldest first, like a day of traffic.
    const logs = generateDemoLogs({ now: now - (chunks - 1 - i) * 600_000, count: n, seed: i + 1, spanMs: 600_000 });
    if (!out.write(`${logs.map((log) => JSON.stringify(log)).join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const BARE_TABLE = `CREATE TABLE logs (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, app TEXT, message_key TEXT,
  duration_ms REAL, correlation_id TEXT, level TEXT, message TEXT, raw TEXT NOT NULL)`;

/** JSON.parse + one prepared insert per line, one transaction; `extraSql` adds an index. */
function rawLoop(lines: string[], name: string, extraSql = ''): Timing {
  const path = join(dir, `raw-${name}.db`);
  const db = openSqliteFile(path);
  // The connection settings of the store, so that index costs compare like with like.
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(BARE_TABLE);
  if (extraSql) db.exec(extraSql);
  const insert = db.prepare(
    'INSERT INTO logs (time, app, message_key, duration_ms, correlation_id, level, message, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const stop = startTiming();
  db.transaction(() => {
    for (const line of lines) {
      const doc = JSON.parse(line);
      insert.run(
        Date.parse(doc['@timestamp']),
        doc.app_name,
        doc.message_key,
        doc.duration ?? null,
        doc.correlation_id,
        doc.level,
        doc.message,
        line,
      );
    }
  })();
  const timing = stop();
  db.close();
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  return timing;
}

function configFor(path: string): Config {
  return loadConfig({ EMBEDDED_LOG_DB: path, DB_DATABASE: join(dir, 'state.db'), LOG_LEVEL: 'silent' }, undefined);
}

/** POST /ingest through the real server (route, auth, metrics hooks) on a loopback port, `clients` at once. */
async function measureHttpIngest(
  file: string,
  clients: number,
): Promise<{ accepted: number; timing: Timing; mainCpuMs: number; ingestThreadCpuMs: number }> {
  const config = configFor(join(dir, `http-store-${clients}`, 'logs.db'));
  const ctx = createAppContext(config, createLogger(config));
  // The routes' access check reads the state database: it needs its tables.
  await migrateToLatest(ctx.state);
  const server = await buildServer(ctx);
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}/ingest`;
  let accepted = 0;
  const send = async (body: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const answer = (await response.json()) as { data: { accepted: number } };
    if (!response.ok) throw new Error(`POST /ingest answered ${response.status}: ${JSON.stringify(answer)}`);
    accepted += answer.data.accepted;
  };
  try {
    await ctx.logSource(); // opened before the clock starts
    await send(''); // the ingest thread started before the clock starts
    const threadsBefore = threadCpuMs();
    const stop = startTiming();
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    const inFlight = new Set<Promise<void>>();
    let body: string[] = [];
    const dispatch = async () => {
      const sending = send(`${body.join('\n')}\n`).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      body = [];
      if (inFlight.size >= clients) await Promise.race(inFlight);
    };
    for await (const line of lines) {
      body.push(line);
      if (body.length === 1000) await dispatch();
    }
    if (body.length > 0) await dispatch();
    await Promise.all(inFlight);
    const timing = stop();
    const used = [...threadCpuMs()].map(([tid, ms]) => [tid, ms - (threadsBefore.get(tid) ?? 0)] as const);
    const mainCpuMs = used.find(([tid]) => tid === String(process.pid))?.[1] ?? 0;
    // The busiest other thread is the ingest thread (the rest are V8 and libuv helpers).
    const ingestThreadCpuMs = Math.max(0, ...used.filter(([tid]) => tid !== String(process.pid)).map(([, ms]) => ms));
    return { accepted, timing, mainCpuMs, ingestThreadCpuMs };
  } finally {
    await server.close();
    await ctx.close();
  }
}

async function main() {
  const file = join(dir, 'logs.ndjson');
  const started = performance.now();
  await generate(file);
  const bytes = statSync(file).size;
  console.log(
    `generated ${fmt(count)} logs (${fmt(Math.round(bytes / 1048576))} MiB) in ${Math.round(performance.now() - started)} ms`,
  );

  // Lines for the raw loop are read into memory first: only parse + insert is timed.
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  rawLoop(lines.slice(0, 20_000), 'warm-up'); // JIT warm-up, so the first figure is not a cold one
  const raw = rawLoop(lines, 'bare');
  console.log(`raw limit (parse + insert, bare table)       ${rates(count, raw)}`);
  const indexes = {
    'time index': 'CREATE INDEX logs_time ON logs (time)',
    '(app, time) index': 'CREATE INDEX logs_app_time ON logs (app, time)',
    'correlation index (plain)':
      'CREATE INDEX logs_correlation ON logs (correlation_id) WHERE correlation_id IS NOT NULL',
    'correlation index (minute-led, the store)':
      'CREATE INDEX logs_correlation ON logs (time / 60000, correlation_id) WHERE correlation_id IS NOT NULL',
  };
  for (const [name, sql] of Object.entries(indexes)) {
    const t = rawLoop(lines, name.replace(/\W+/g, '_'), sql);
    const cost = Math.round(((t.cpuMs - raw.cpuMs) / raw.cpuMs) * 100);
    console.log(`  + ${name.padEnd(41)} ${rates(count, t)}  CPU cost ${cost}%`);
  }
  lines.length = 0;

  const store = EmbeddedLogStore.open(configFor(join(dir, 'store', 'logs.db')));
  const stop = startTiming();
  const summary = await importFiles(store, [file]);
  const imported = stop();
  await store.close();
  console.log(
    `logs:import (importFiles)                    ${rates(summary.accepted, imported)}  ` +
      `${(raw.wallMs / imported.wallMs).toFixed(2)} of the raw limit (CPU: ${(raw.cpuMs / imported.cpuMs).toFixed(2)})`,
  );
  if (summary.accepted !== count) console.log(`  (only ${summary.accepted} of ${count} accepted!)`);

  const httpRates: number[] = [];
  for (const clients of [1, 2]) {
    const posted = await measureHttpIngest(file, clients);
    httpRates.push(perSecond(posted.accepted, posted.timing.wallMs));
    console.log(
      `POST /ingest (1,000-line bodies, ${clients} client${clients > 1 ? 's' : ' '})  ${rates(posted.accepted, posted.timing)}  ` +
        `${(raw.wallMs / posted.timing.wallMs).toFixed(2)} of the raw limit (CPU: this process, incl. the ingest thread and the client)`,
    );
    if (posted.accepted !== count) console.log(`  (only ${posted.accepted} of ${count} accepted!)`);
    if (posted.ingestThreadCpuMs > 0) {
      console.log(
        `  CPU: ingest thread ${fmt(Math.round(posted.ingestThreadCpuMs))} ms (${fmt(perSecond(posted.accepted, posted.ingestThreadCpuMs))} logs per its CPU-second), ` +
          `event loop (server and client) ${fmt(Math.round(posted.mainCpuMs))} ms`,
      );
    }
  }

  const importRate = perSecond(summary.accepted, imported.wallMs);
  const goal = importRate >= 100_000 && imported.wallMs <= 2 * raw.wallMs;
  console.log(`first goal (import >= 100,000 logs/s and >= half the raw limit): ${goal ? 'met' : 'NOT met'}`);
  console.log(
    `issue 14 goals on a quiet 2-core machine: import >= 150,000 logs/s ${importRate >= 150_000 ? 'met' : 'NOT met'} (${fmt(importRate)}); ` +
      `POST /ingest >= 100,000 logs/s ${Math.max(...httpRates) >= 100_000 ? 'met' : 'NOT met'} (${httpRates.map(fmt).join(' / ')} with 1 / 2 clients)`,
  );
  const [load] = loadavg();
  console.log(`load average during the run: ${load!.toFixed(1)} on ${availableParallelism()} CPUs`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
