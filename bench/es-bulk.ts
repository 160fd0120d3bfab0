/**
 * Elasticsearch bulk benchmark: `npx tsx bench/es-bulk.ts [documents] [per-body] [clients]`
 * (default 1,000,000 documents, 1,000 per body, 2 clients).
 *
 * Runs `lagwatch start` from source (tsx) as a child process (SQLite state, embedded store,
 * temp folder) and sends the documents to POST /elasticsearch/_bulk as index action/document
 * pairs, from a worker thread of this process (like other clients: its sends do not delay the
 * prober), while this thread asks GET /health every 10 ms. Prints documents per second and
 * /health latency during the bulk (p50, p99, max); then the same for the same documents as
 * NDJSON to POST /ingest, for comparison on a machine whose load varies.
 * Goals: >= 100,000 documents/s; /health p99 < 50 ms.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { benchDocument } from './support/bench-documents.js';

const total = Number(process.argv[2] ?? 1_000_000);
const perBody = Number(process.argv[3] ?? 1_000);
const clients = Number(process.argv[4] ?? 2);
const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'lagwatch-esbulk-'));
const port = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;

const now = Date.now();
/** The bodies, built before the clock starts: bulk, and the same documents as NDJSON. */
const bodies: Buffer[] = [];
const ndjsonBodies: Buffer[] = [];
for (let from = 0; from < total; from += perBody) {
  const lines: string[] = [];
  const documents: string[] = [];
  for (let i = from; i < Math.min(total, from + perBody); i++) {
    lines.push('{"index":{"_index":"logs-bench"}}');
    const document = benchDocument(i, now);
    lines.push(document);
    documents.push(document);
  }
  bodies.push(Buffer.from(`${lines.join('\n')}\n`));
  ndjsonBodies.push(Buffer.from(`${documents.join('\n')}\n`));
}

/** The sender thread: `clients` loops, each POSTing the next body until none is left. */
const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.once('message', async (bodies) => {
  let next = 0, stored = 0, refused = 0, failures = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: workerData.clients }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const answer = await fetch(workerData.url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
      const json = await answer.json();
      if (answer.status !== 200) { failures++; continue; }
      if (json.items) for (const item of json.items) Object.values(item)[0].status === 201 ? stored++ : refused++;
      else { stored += json.data.accepted; refused += json.data.rejected; }
    }
  }));
  parentPort.postMessage({ stored, refused, failures, seconds: (performance.now() - started) / 1000 });
});`;

const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start'], {
  cwd: ROOT,
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
  for (const [name, path, payload] of [
    ['POST /elasticsearch/_bulk', '/elasticsearch/_bulk', bodies],
    ['POST /ingest (same documents)', '/ingest', ndjsonBodies],
  ] as const) {
    const sender = new Worker(SENDER, { eval: true, workerData: { url: `${base}${path}`, clients } });
    const done = new Promise<{ stored: number; refused: number; failures: number; seconds: number }>((resolve) =>
      sender.once('message', resolve),
    );
    const load = loadavg()[0];
    sender.postMessage(payload);
    const latencies: number[] = [];
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished) {
      const started = performance.now();
      await fetch(`${base}/health`).then((r) => r.arrayBuffer());
      latencies.push(performance.now() - started);
      await sleep(10);
    }
    const result = await done;
    await sender.terminate();
    latencies.sort((a, b) => a - b);
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    console.log(
      `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load ${load.toFixed(1)} at start`,
    );
    console.log(`${name}: ${total} documents in ${bodies.length} bodies of ${perBody}, ${clients} clients`);
    console.log(
      `stored ${result.stored}, refused ${result.refused}, failed bodies ${result.failures}, ${result.seconds.toFixed(2)} s: ` +
        `${Math.round(result.stored / result.seconds).toLocaleString('en')} documents/s (goal >= 100,000)`,
    );
    console.log(
      `/health during the bulk (${latencies.length} probes): p50 ${ms(percentile(latencies, 0.5))}, ` +
        `p99 ${ms(percentile(latencies, 0.99))} (goal < 50 ms), max ${ms(latencies.at(-1) ?? 0)}`,
    );
  }
} finally {
  child.kill();
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
