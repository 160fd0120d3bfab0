/**
 * OTLP benchmark: `npx tsx bench/otlp.ts [spans] [spansPerRequest] [clients]` (default 300,000
 * spans, 1,000 per request, 2 clients at once).
 *
 * Runs `lagwatch start` as a child process (from dist/ when built, else from source through tsx;
 * SQLite state, embedded store, temp folder, default OTLP_SPAN_KINDS) and POSTs protobuf
 * ExportTraceServiceRequests of server spans (each kept) to /v1/traces from a worker thread of
 * this process, while this thread asks GET /health every 10 ms. Prints spans stored per second,
 * /health latency during the ingest (p50, p99, max) and the server's own event-loop delay.
 * Goals: ≥ 100,000 spans/s; /health p99 < 50 ms meanwhile.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { benchOtlpTraceBody } from './support/bench-documents.js';

const totalSpans = Number(process.argv[2] ?? 300_000);
const perRequest = Number(process.argv[3] ?? 1_000);
const clients = Number(process.argv[4] ?? 2);
const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'lagwatch-otlp-'));
const port = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;

/** A few distinct request bodies (sent round robin): spans of 8 services, 40 routes. */
function requestBody(seed: number): Uint8Array {
  return benchOtlpTraceBody(seed, perRequest, Date.now());
}

const requests = Math.ceil(totalSpans / perRequest);
const bodies = Array.from({ length: Math.min(requests, 20) }, (_, i) => requestBody(i));
console.log(`bodies: ${bodies.length} distinct, ${bodies[0]?.length} bytes each (${perRequest} spans)`);

/** The client thread: POSTs `requests` bodies, `clients` at a time; answers spans accepted and seconds. */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, bodies, requests, clients } = workerData;
let next = 0, accepted = 0, failed = 0;
async function client() {
  while (next < requests) {
    const body = bodies[next++ % bodies.length];
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    const bytes = new Uint8Array(await answer.arrayBuffer());
    if (answer.status !== 200 || bytes.length > 0) failed++;
  }
}
const started = performance.now();
Promise.all(Array.from({ length: clients }, client)).then(() =>
  parentPort.postMessage({ failed, seconds: (performance.now() - started) / 1000 }));`;

const built = existsSync(join(ROOT, 'dist/cli/main.js'));
const child = spawn(
  process.execPath,
  // SERVER_NODE_ARGS: flags for the server's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  built
    ? [...(process.env.SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'bin/lagwatch.js'), 'start']
    : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start'],
  {
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
  },
);

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
  const lagOf = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
    return { p99: value('nodejs_eventloop_lag_p99_seconds'), max: value('nodejs_eventloop_lag_max_seconds') };
  };
  // Warm-up: the ingest thread starts and parses the definitions on first use.
  await fetch(`${base}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: requestBody(999),
  });
  await lagOf(); // resets the server's event-loop delay histogram
  console.log(
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg()[0].toFixed(2)}; server from ${built ? 'dist' : 'source (tsx)'}; ${new Date().toISOString()}`,
  );
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
  const worker = new Worker(CLIENT, {
    eval: true,
    workerData: { url: `${base}/v1/traces`, bodies, requests, clients },
  });
  const result = await new Promise<{ failed: number; seconds: number }>((resolve) => worker.once('message', resolve));
  done = true;
  await poller;
  await worker.terminate();
  const lag = await lagOf();
  const sorted = latencies.sort((a, b) => a - b);
  const spans = requests * perRequest;
  console.log(
    `POST /v1/traces: ${requests} requests × ${perRequest} spans, ${clients} clients: ${result.failed} not whole successes, ${result.seconds.toFixed(2)} s, ${Math.round(spans / result.seconds)} spans/s`,
  );
  console.log(
    `  /health during the ingest: ${sorted.length} answers, p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms`,
  );
  console.log(
    `  server event-loop delay meanwhile: p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms; load now ${loadavg()[0].toFixed(2)}`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
