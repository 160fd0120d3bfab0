/**
 * Ingest memory benchmark: `npx tsx bench/ingest-memory.ts [root]` (Linux: reads /proc). Needs
 * `npm run build` (or `npx tsc -p tsconfig.build.json`) in `root` (default: this checkout), so
 * another checkout's build, e.g. the code before a change, can be measured the same way.
 *
 * Runs the built `lagwatch start` as a child process (SQLite state, embedded store, temp folder,
 * default INGEST_MAX_BYTES 32 MiB and INGEST_MAX_CONCURRENT 2) and POSTs the worst bodies for
 * memory to /ingest: a ~30 KB gzip body of 15 million one-byte lines, two of them at once, a gzip
 * body inflating to 100 MiB without a newline, a 32 MiB plain body of logs, two of those at once.
 * Prints for each its answers, seconds, and the server's peak RSS (VmHWM, reset before each
 * body) beside its RSS when idle; then the same 15-million-line body to a second server whose
 * INGEST_MAX_LINES lets all of it through, so every line is split, parsed and rejected.
 * Goal: peak RSS stays within idle RSS + INGEST_MAX_CONCURRENT × INGEST_MAX_BYTES (64 MiB)
 * plus a margin of working memory, whatever the body.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchDocument } from './support/bench-documents.js';

const ROOT = process.argv[2] ?? join(import.meta.dirname, '..');
const MIB = 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

/** A kB figure of /proc/<pid>/status (VmRSS, VmHWM). */
function statusKib(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
}

/** Resets the peak RSS (VmHWM) of a process to its current RSS. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

interface Server {
  child: ChildProcess;
  base: string;
  dir: string;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-memory-'));
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const child = spawn(process.execPath, [join(ROOT, 'bin/lagwatch.js'), 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      DB_DATABASE: join(dir, 'state.db'),
      EMBEDDED_LOG_DB: join(dir, 'logs.db'),
      LOG_LEVEL: 'warn',
      SCAN_INTERVAL_SECONDS: '600',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (i > 300) throw new Error('lagwatch start did not answer');
    const up = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await sleep(100);
  }
  return { child, base, dir };
}

async function stopServer(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  await new Promise((resolve) => server.child.once('exit', resolve));
  rmSync(server.dir, { recursive: true, force: true });
}

async function post(base: string, body: Buffer, gzip: boolean): Promise<string> {
  const answer = await fetch(`${base}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    body: new Uint8Array(body),
  }).catch((error: Error) => ({ status: 0, text: async () => error.message }));
  const text = await answer.text();
  let summary = text.slice(0, 120);
  try {
    const json = JSON.parse(text) as { data?: { accepted: number; rejected: number }; error?: { message: string } };
    summary = json.data
      ? `accepted ${json.data.accepted}, rejected ${json.data.rejected}`
      : (json.error?.message ?? text);
  } catch {
    // not JSON: shown as is
  }
  return `${answer.status} (${summary})`;
}

/** POSTs the bodies at once; prints answers, seconds and the server's peak RSS meanwhile. */
async function measure(server: Server, label: string, bodies: { body: Buffer; gzip: boolean }[]): Promise<number> {
  const pid = server.child.pid as number;
  await sleep(500);
  const idle = statusKib(pid, 'VmRSS');
  resetPeak(pid);
  const started = performance.now();
  const answers = await Promise.all(bodies.map(({ body, gzip }) => post(server.base, body, gzip)));
  const seconds = (performance.now() - started) / 1000;
  await sleep(200);
  const peak = statusKib(pid, 'VmHWM');
  const after = statusKib(pid, 'VmRSS');
  console.log(`${label}`);
  console.log(`  answers: ${answers.join('; ')}; ${seconds.toFixed(2)} s`);
  console.log(
    `  server RSS: idle ${mib(idle)}, peak ${mib(peak)} (+${mib(peak - idle)}), after ${mib(after)}; load ${loadavg()[0].toFixed(2)}`,
  );
  return peak - idle;
}

const oneByteLines = gzipSync(Buffer.from('1\n'.repeat(15_000_000)), { level: 9 });
const noNewline = gzipSync(Buffer.alloc(100 * MIB, 0x61), { level: 9 });
const now = Date.now();
const logLines: string[] = [];
for (let i = 0, size = 0; size < 32 * MIB - 300; i++) {
  const line = benchDocument(i, now);
  logLines.push(line);
  size += line.length + 1;
}
const plain32 = Buffer.from(`${logLines.join('\n')}\n`);
logLines.length = 0;

console.log(
  `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), ${mib(totalmem() / 1024)} RAM, Node.js ${process.version}, load ${loadavg()[0].toFixed(2)}; ${new Date().toISOString()}`,
);
console.log(`code: ${ROOT}`);
console.log(
  `bodies: ${oneByteLines.length} bytes of gzip for 15,000,000 one-byte lines; ${noNewline.length} bytes of gzip for 100 MiB without a newline; ${plain32.length} bytes of plain NDJSON`,
);
/** Each body against a fresh server, so that its idle RSS is not what an earlier body left. */
async function onFreshServer(
  label: string,
  bodies: { body: Buffer; gzip: boolean }[],
  env: Record<string, string> = {},
) {
  const server = await startServer(env);
  try {
    // Starts the ingest thread, so that its start is part of the idle figure.
    await post(server.base, Buffer.from(`{"@timestamp":${now},"app_name":"warm-up","duration":1}\n`), false);
    return await measure(server, label, bodies);
  } finally {
    await stopServer(server);
  }
}

const bomb = { body: oneByteLines, gzip: true };
const plain = { body: plain32, gzip: false };
const peaks = [
  await onFreshServer('gzip, 15M one-byte lines', [bomb]),
  await onFreshServer('gzip, 15M one-byte lines, two at once', [bomb, bomb]),
  await onFreshServer('gzip, 100 MiB without a newline', [{ body: noNewline, gzip: true }]),
  await onFreshServer('plain 32 MiB of logs', [plain]),
  await onFreshServer('plain 32 MiB of logs, two at once', [plain, plain]),
  await onFreshServer('gzip, 15M one-byte lines, INGEST_MAX_LINES=20000000 (every line parsed)', [bomb], {
    INGEST_MAX_LINES: '20000000',
  }),
];
console.log(
  `largest growth over idle: +${mib(Math.max(...peaks))} (INGEST_MAX_CONCURRENT × INGEST_MAX_BYTES = 64 MiB)`,
);
