/**
 * Idle cost of `lagwatch start` on a real OpenSearch node:
 * `npx tsx bench/idle-cpu.ts [minutes] [latency samples]` (default 10 minutes, 20 samples;
 * `IDLE_URL`, default `http://127.0.0.1:9202`).
 *
 * Creates its own index `bench-idle-<random>-logs-1` with a few old documents, runs `lagwatch
 * start` from source (tsx) as a child process with the default scan settings (SQLite state,
 * no Redis: live events go through `event_log`, no dashboard open), adds one app rule, and
 * once the first scans are done writes nothing for `minutes`: prints the child's CPU seconds per
 * minute (utime + stime of /proc/<pid>/stat, every thread; then split by thread, user and system).
 * Then detection latency: one slow log at a time written with `refresh=true`, timed from the
 * write's answer (the document visible) to its violation row in the state database (read by this
 * process), 1–3 s apart. Deletes the index.
 * `IDLE_BUILT=1` runs the built `dist/` instead of the sources; `IDLE_ENV=NAME=value,...` adds
 * settings; `IDLE_NODE_ARGS` adds node options (e.g. `--cpu-prof`).
 * ElastAlert 2's idle cost on the same kind of node: about 0.19 CPU seconds a minute.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LOG_INDEX_MAPPINGS } from '../test/support/log-documents.js';

const MINUTES = Number(process.argv[2] ?? 10);
const SAMPLES = Number(process.argv[3] ?? 20);
const URL_BASE = (process.env.IDLE_URL ?? 'http://127.0.0.1:9202').replace(/\/$/, '');
const ROOT = join(import.meta.dirname, '..');
const PREFIX = `bench-idle-${Math.random().toString(36).slice(2, 8)}-`;
const INDEX = `${PREFIX}logs-1`;
const dir = mkdtempSync(join(tmpdir(), 'lagwatch-idle-'));
const port = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function os(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${URL_BASE}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** CPU seconds the process has used so far, every thread. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** CPU seconds per thread (by thread name) and user/system split, every thread of the process. */
function threadCpu(pid: number): Map<string, { user: number; system: number }> {
  const threads = new Map<string, { user: number; system: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const key = tid === String(pid) ? 'main' : name;
    const sum = threads.get(key) ?? { user: 0, system: 0 };
    sum.user += Number(fields[11]) / TICKS;
    sum.system += Number(fields[12]) / TICKS;
    threads.set(key, sum);
  }
  return threads;
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

const doc = (time: number, duration: number, correlation: string) => ({
  '@timestamp': new Date(time).toISOString(),
  app_name: 'idle-app',
  message_key: 'GET /report',
  duration,
  correlation_id: correlation,
  level: 'info',
  message: 'report',
});

await os('PUT', `/${INDEX}`, {
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: LOG_INDEX_MAPPINGS,
});
const started = Date.now();
for (let i = 0; i < 20; i++)
  await os('POST', `/${INDEX}/_doc`, doc(started - 600_000 + i * 1000, 100 + i * 50, `old-${i}`));
await os('POST', `/${INDEX}/_refresh`);

// IDLE_NODE_ARGS: extra node options for the child, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
const nodeArgs = (process.env.IDLE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
// IDLE_BUILT=1: the built `dist/` (`npx tsc -p tsconfig.build.json`) instead of the sources through tsx.
const entry =
  process.env.IDLE_BUILT === '1'
    ? [join(ROOT, 'dist/cli/main.js')]
    : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
const child = spawn(process.execPath, [...nodeArgs, ...entry, 'start'], {
  cwd: ROOT,
  env: {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    DB_DATABASE: join(dir, 'state.db'),
    LOG_SOURCE: 'elasticsearch',
    ELASTICSEARCH_HOST: URL_BASE,
    ELASTICSEARCH_INDEX_PREFIX: PREFIX,
    ...(process.env.IDLE_ENV ? Object.fromEntries(process.env.IDLE_ENV.split(',').map((kv) => kv.split('='))) : {}),
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const pid = child.pid!;

try {
  for (let i = 0; ; i++) {
    if (i > 600) throw new Error('lagwatch start did not answer');
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
  const rule = await fetch(`${base}/rules/app`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_name: 'idle-app', max_duration: 500, alert_channels: ['webhook'] }),
  });
  if (!rule.ok) throw new Error(`POST /rules/app: ${rule.status} ${await rule.text()}`);
  const state = new Database(join(dir, 'state.db'), { readonly: true, fileMustExist: true });
  const violations = state.prepare('SELECT count(*) AS n FROM violations');
  const found = state.prepare('SELECT 1 FROM violations WHERE correlation_id = ?');
  // The first scans: the rule's look back records the old slow logs.
  for (let i = 0; (violations.get() as { n: number }).n === 0; i++) {
    if (i > 600) throw new Error('the first scan recorded nothing');
    await sleep(100);
  }
  await sleep(5_000);

  console.log(
    `idle: lagwatch start (pid ${pid}) on ${URL_BASE}, no new documents for ${MINUTES} min; ` +
      `${availableParallelism()} CPUs, load ${load()}`,
  );
  const cpu0 = cpuSeconds(pid);
  const threads0 = threadCpu(pid);
  const t0 = performance.now();
  let last = cpu0;
  for (let m = 1; m <= MINUTES; m++) {
    await sleep(t0 + m * 60_000 - performance.now());
    const now = cpuSeconds(pid);
    console.log(`  minute ${m}: ${(now - last).toFixed(2)} CPU s, load ${load()}`);
    last = now;
  }
  const idleCpu = cpuSeconds(pid) - cpu0;
  const idleMinutes = (performance.now() - t0) / 60_000;
  // Where it went: threads that exited meanwhile are missing from this split (not from the total).
  for (const [name, { user, system }] of threadCpu(pid)) {
    const before = threads0.get(name) ?? { user: 0, system: 0 };
    const u = (user - before.user) / idleMinutes;
    const k = (system - before.system) / idleMinutes;
    if (u + k > 0) console.log(`  thread ${name}: ${u.toFixed(3)} user + ${k.toFixed(3)} system CPU s per minute`);
  }

  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const correlation = `lat-${i}-${Math.random().toString(36).slice(2, 8)}`;
    await os('POST', `/${INDEX}/_doc?refresh=true`, doc(Date.now(), 900 + i, correlation));
    const visibleAt = performance.now();
    for (;;) {
      if (found.get(correlation)) break;
      if (performance.now() - visibleAt > 60_000) throw new Error(`sample ${i}: no violation within 60 s`);
      await sleep(10);
    }
    latencies.push(performance.now() - visibleAt);
    await sleep(1_000 + Math.random() * 2_000);
  }
  state.close();

  console.log('');
  console.log(`| figure | value |`);
  console.log(`|---|---|`);
  console.log(
    `| idle CPU | ${(idleCpu / idleMinutes).toFixed(3)} s per minute (${idleCpu.toFixed(2)} s in ${idleMinutes.toFixed(1)} min) |`,
  );
  console.log(
    `| detection latency, ${SAMPLES} samples (visible → violation recorded) | p50 ${percentile(latencies, 0.5).toFixed(0)} ms, ` +
      `p99 ${percentile(latencies, 0.99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms |`,
  );
  console.log(`| load average at the end | ${load()} |`);
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await os('DELETE', `/${INDEX}`).catch((error: unknown) => console.error(`could not delete ${INDEX}: ${error}`));
  rmSync(dir, { recursive: true, force: true });
}
