/**
 * Cardinality benchmark: `npx tsx bench/cardinality.ts [apps] [seconds] [loop]`
 * (default 100,000 apps, 20 seconds of load).
 *
 * Fills a fresh embedded store with `apps` distinct app names (two logs each, over 6 hours,
 * through the store's own ingest) and serves it as `lagwatch start` does (figure reads in stats
 * threads; with `loop`, on the event loop as before, for comparison). Prints:
 *   - each heavy answer's size and time, one request at a time (3 runs, median);
 *   - `GET /health` over HTTP every 10 ms while four clients repeat the heavy reads for
 *     `seconds`: its p50/p99/max, and the server's event-loop delay p99/max meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAppContext } from '../src/app/create-context.js';
import { loadConfig } from '../src/config/load.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { buildServer } from '../src/http/server.js';
import { createLogger } from '../src/logging/logger.js';
import { EmbeddedLogStore } from '../src/logs/embedded/embedded-log-store.js';
import { fillManyApps } from '../test/support/many-apps.js';

const apps = Number(process.argv[2] ?? 100_000);
const seconds = Number(process.argv[3] ?? 20);
const onLoop = process.argv[4] === 'loop';
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 10);

const dir = mkdtempSync(join(tmpdir(), 'lagwatch-cardinality-'));
const config = loadConfig(
  { EMBEDDED_LOG_DB: join(dir, 'logs.db'), DB_DATABASE: join(dir, 'state.db'), LOG_LEVEL: 'silent' },
  undefined,
);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main() {
  console.log(
    `cardinality bench: ${apps.toLocaleString('en')} apps, reads ${onLoop ? 'on the event loop (for comparison)' : 'in stats threads'}; ` +
      `${cpus().length} CPUs (${cpus()[0]?.model}), load ${loadavg()[0]!.toFixed(1)}, Node ${process.version}, ${new Date().toISOString()}`,
  );
  const filler = EmbeddedLogStore.open(config);
  let started = performance.now();
  const stored = fillManyApps(filler, { apps, levels: 120, from: T0, spanMs: 6 * HOUR });
  await filler.close();
  console.log(`filled ${stored.toLocaleString('en')} logs in ${ms(performance.now() - started)}`);

  const ctx = createAppContext(config, createLogger(config));
  await migrateToLatest(ctx.state);
  const loopStore = onLoop ? EmbeddedLogStore.open(config) : undefined;
  const server = await buildServer(loopStore ? { ...ctx, logSource: async () => loopStore } : ctx);
  const base = await server.listen({ port: 0, host: '127.0.0.1' });
  const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 6 * HOUR + 1234).toISOString()}`;
  const heavy = [
    `/dashboard/apps?${range}`,
    `/dashboard/apps?${range}&sort=-p95_ms&per_page=500`,
    `/dashboard/overview?${range}`,
    `/monitor/traces/slowest?${range}&limit=100`,
  ];

  console.log('\n| request | answer bytes | time (median of 3) |\n|---|---|---|');
  for (const path of heavy) {
    const times: number[] = [];
    let bytes = 0;
    for (let run = 0; run < 3; run++) {
      started = performance.now();
      const response = await fetch(`${base}${path}`);
      bytes = (await response.arrayBuffer()).byteLength;
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      times.push(performance.now() - started);
    }
    console.log(`| ${path.replace(range, '<6 h>')} | ${bytes.toLocaleString('en')} | ${ms(quantile(times, 0.5))} |`);
  }

  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const until = Date.now() + seconds * 1000;
  let heavyDone = 0;
  const clients = heavy.map(async (path) => {
    while (Date.now() < until) {
      const response = await fetch(`${base}${path}`);
      await response.arrayBuffer();
      heavyDone++;
    }
  });
  const health: number[] = [];
  while (Date.now() < until) {
    started = performance.now();
    const response = await fetch(`${base}/health`);
    await response.arrayBuffer();
    health.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(clients);
  delay.disable();
  console.log(
    `\n/health under 4 clients repeating the heavy reads for ${seconds} s (${heavyDone} heavy answers): ` +
      `${health.length} requests, p50 ${ms(quantile(health, 0.5))}, p99 ${ms(quantile(health, 0.99))}, max ${ms(Math.max(...health))}; ` +
      `event-loop delay p99 ${ms(delay.percentile(99) / 1e6)}, max ${ms(delay.max / 1e6)}; load ${loadavg()[0]!.toFixed(1)}`,
  );
  await server.close();
  await loopStore?.close();
  await ctx.close();
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
