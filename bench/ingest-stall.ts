/**
 * Ingest stall benchmark: `npx tsx bench/ingest-stall.ts [MiB]` (default 32). Needs `npm run build`.
 *
 * Runs the built `lagwatch start` as a child process (SQLite state, embedded store, temp folder)
 * and, from this process, POSTs one NDJSON body of that size to /ingest while asking GET /health
 * every 10 ms. Prints /health latency during the ingest (p50, p99, max) and the ingest's logs/s.
 * Goal: /health p99 < 50 ms during a 32 MiB ingest.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const mib = Number(process.argv[2] ?? 32);
const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'lagwatch-stall-'));
const port = 19_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;

const lines: string[] = [];
let size = 0;
const now = Date.now();
for (let i = 0; size < mib * 1024 * 1024 - 300; i++) {
  const line = JSON.stringify({
    '@timestamp': new Date(now - 600_000 + (i % 600_000)).toISOString(),
    app_name: `app-${i % 20}`,
    message_key: `key-${i % 50}`,
    duration: (i * 7919) % 3000,
    correlation_id: `c-${i}`,
    level: 'info',
    message: 'a request took its time',
  });
  lines.push(line);
  size += line.length + 1;
}
const body = `${lines.join('\n')}\n`;

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
  const started = performance.now();
  const answer = await fetch(`${base}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  const seconds = (performance.now() - started) / 1000;
  done = true;
  await poller;
  const result = (await answer.json()) as { data?: { accepted: number } };
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`machine: ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}; ${new Date().toISOString()}`);
  console.log(
    `POST /ingest ${mib} MiB, ${lines.length} lines: status ${answer.status}, accepted ${result.data?.accepted}, ${seconds.toFixed(2)} s, ${Math.round(lines.length / seconds)} logs/s`,
  );
  console.log(
    `/health during the ingest: ${sorted.length} answers, p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
