/**
 * Ingest stall benchmark: `npx tsx bench/ingest-stall.ts [MiB] [rounds]` (default 32 MiB, 3
 * rounds). Needs `npm run build`.
 *
 * Runs the built `lagwatch start` as a child process (SQLite state, embedded store, temp folder)
 * and POSTs one NDJSON body of that size to /ingest per round, from a worker thread of this
 * process (the uploader, like a second client: its 32 MiB send does not delay the prober), while
 * this thread asks GET /health every 10 ms. Prints, per round and over all rounds, /health
 * latency during the ingest (p50, p99, max), the server's own event-loop delay meanwhile (from
 * its /metrics) and the ingest's logs/s.
 * Goal: /health p99 < 50 ms during a 32 MiB ingest.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { benchDocument } from './support/bench-documents.js';

const mib = Number(process.argv[2] ?? 32);
const rounds = Number(process.argv[3] ?? 3);
const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'lagwatch-stall-'));
const port = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;

const lines: string[] = [];
let size = 0;
const now = Date.now();
for (let i = 0; size < mib * 1024 * 1024 - 300; i++) {
  const line = benchDocument(i, now);
  lines.push(line);
  size += line.length + 1;
}
const body = Buffer.from(`${lines.join('\n')}\n`);

/** The uploader thread: POSTs each body it is given and answers status, accepted and seconds. */
const UPLOADER = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', async (bytes) => {
  const started = performance.now();
  const answer = await fetch(workerData.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: new Uint8Array(bytes),
  });
  const json = await answer.json();
  parentPort.postMessage({ status: answer.status, accepted: json.data?.accepted, seconds: (performance.now() - started) / 1000 });
});`;
type Upload = { status: number; accepted: number | undefined; seconds: number };

const child = spawn(process.execPath, [join(ROOT, 'bin/lagwatch.js'), 'start'], {
  env: {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    DB_DATABASE: join(dir, 'state.db'),
    EMBEDDED_LOG_DB: join(dir, 'logs.db'),
    LOG_LEVEL: 'warn',
    SCAN_INTERVAL_SECONDS: '30',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;

try {
  for (let i = 0; ; i++) {
    if (i > 300) throw new Error('lagwatch start did not answer');
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
  const lagOf = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
    return { p99: value('nodejs_eventloop_lag_p99_seconds'), max: value('nodejs_eventloop_lag_max_seconds') };
  };
  await lagOf(); // resets the server's event-loop delay histogram
  const uploader = new Worker(UPLOADER, { eval: true, workerData: { url: `${base}/ingest` } });
  const upload = (): Promise<Upload> =>
    new Promise((resolve) => {
      uploader.once('message', resolve);
      const copy = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
      uploader.postMessage(copy, [copy]);
    });
  const summary = (latencies: number[]) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return `${sorted.length} answers, p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms`;
  };
  console.log(`machine: ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}; ${new Date().toISOString()}`);
  const all: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    await lagOf(); // resets the server's event-loop delay histogram
    const latencies: number[] = [];
    let done = false;
    const poller = (async () => {
      while (!done) {
        const started = performance.now();
        await fetch(`${base}/health`);
        latencies.push(performance.now() - started);
        await sleep(10);
      }
    })();
    const result = await upload();
    done = true;
    await poller;
    const lag = await lagOf();
    all.push(...latencies);
    console.log(
      `round ${round}: POST /ingest ${mib} MiB, ${lines.length} lines: status ${result.status}, accepted ${result.accepted}, ${result.seconds.toFixed(2)} s, ${Math.round(lines.length / result.seconds)} logs/s`,
    );
    console.log(`  /health during the ingest: ${summary(latencies)}`);
    console.log(
      `  server event-loop delay meanwhile (its own monitor): p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms`,
    );
    await sleep(1500); // the scan the ingest asked for runs between rounds, not during the next one
  }
  await uploader.terminate();
  console.log(`all rounds, /health during the ingests: ${summary(all)}; load now ${loadavg()[0].toFixed(2)}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
