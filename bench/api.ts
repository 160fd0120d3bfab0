/**
 * Requests per second of `GET /rules/app` (100 rules, SQLite; the default page of 50, and all
 * 100 with per_page=100) through the real server over HTTP, beside a bare Fastify route
 * answering the same JSON, in the same run. Goal: the API reaches at least 30% of the bare route.
 * A third line serves the same JSON from memory through the full lagwatch stack, which splits
 * the API's cost between the HTTP layer and the repository read.
 *
 *   npx tsx bench/api.ts [--seconds 3] [--rounds 3] [--connections 16]
 *
 * The load runs in a child process (keep-alive node:http Agent, N connections each sending one
 * request after the other for a fixed duration), so the servers keep this process to
 * themselves and its CPU time is theirs alone. Bare and API phases alternate for a few rounds,
 * which evens out a machine whose load changes during the run. Besides requests per second it
 * prints the server CPU time per request, the figure least disturbed by other work on the host.
 *
 * A second part measures the access check on `GET /rules/app` (goal of issue 22: within 5 % of
 * the requests per second without it): the server without the check, with no token at all
 * (anonymous, the check still asks whether one was created), with API_TOKEN presented, and with
 * a stored read token presented, in alternating rounds.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { CHANNEL_TYPES } from '../src/alerts/channels/registry.js';
import { createAppContext } from '../src/app/create-context.js';
import { loadConfig } from '../src/config/load.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { startHttpServer } from '../src/http/server.js';
import { createLogger } from '../src/logging/logger.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
// The default page (50 of the 100 rules) and all 100 on one page.
const PATHS = ['/rules/app', '/rules/app?per_page=100'];

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  /** CPU time this (server) process spent during the phase, ms. */
  serverCpuMs: number;
}

// Plain JavaScript for the load process: it needs nothing but node:http.
const LOAD_SCRIPT = `
const http = require('node:http');
const { url, connections, seconds, headers } = JSON.parse(process.argv[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const target = new URL(url);
const latencies = [];
let requests = 0, errors = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        if (res.statusCode === 200) { requests++; latencies.push(performance.now() - t0); } else errors++;
        resolve();
      });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end();
  });
}
async function connection() { while (performance.now() < deadline) await once(); }
Promise.all(Array.from({ length: connections }, connection)).then(() => {
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  process.stdout.write(JSON.stringify({ requests, errors, seconds: elapsed, latencies }));
});
`;

function load(url: string, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const cpuBefore = process.cpuUsage();
    const child = spawn(
      process.execPath,
      ['-e', LOAD_SCRIPT, JSON.stringify({ url, connections: CONNECTIONS, seconds, headers })],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const cpu = process.cpuUsage(cpuBefore);
      if (code !== 0) return reject(new Error(`load process exited with ${code}`));
      resolve({ ...(JSON.parse(out) as Omit<LoadResult, 'serverCpuMs'>), serverCpuMs: (cpu.user + cpu.system) / 1000 });
    });
  });
}

function combine(results: LoadResult[]): LoadResult {
  return {
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    latencies: results.flatMap((r) => r.latencies).sort((a, b) => a - b),
    serverCpuMs: results.reduce((sum, r) => sum + r.serverCpuMs, 0),
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : Number.NaN;

/** A state database of its own in `dir` with the 100 rules, and its context. */
async function seededContext(dir: string, name: string, env: Record<string, string> = {}) {
  const config = loadConfig(
    { LOG_LEVEL: 'silent', DB_DATABASE: join(dir, `${name}.db`), EMBEDDED_LOG_DB: join(dir, 'logs.db'), ...env },
    undefined,
  );
  const ctx = createAppContext(config, createLogger(config));
  await migrateToLatest(ctx.state);
  for (let i = 0; i < 100; i += 1) {
    await ctx.appRules.create(
      {
        app_name: `service-${String(i).padStart(3, '0')}`,
        max_duration: 100 + i * 10,
        is_active: i % 5 !== 0,
        alert_channels: [CHANNEL_TYPES[i % CHANNEL_TYPES.length]],
        cooldown_minutes: i % 30,
      },
      'bench',
    );
  }
  return ctx;
}

const rps = (r: LoadResult) => r.requests / r.seconds;
const cpuPerRequest = (r: LoadResult) => r.serverCpuMs / r.requests;
const line = (name: string, r: LoadResult) =>
  `  ${name.padEnd(36)} ${rps(r).toFixed(0).padStart(7)} req/s   p50 ${quantile(r.latencies, 0.5).toFixed(2)} ms` +
  `   p99 ${quantile(r.latencies, 0.99).toFixed(2)} ms   server CPU ${cpuPerRequest(r).toFixed(3)} ms/req   errors ${r.errors}`;

const API_TOKEN = 'bench-api-token-0123456789';

/**
 * `GET /rules/app` without the access check, and with it: anonymous (no API_TOKEN, no token
 * stored), API_TOKEN presented, a stored read token presented (on a database of its own, since
 * a stored token turns authentication on).
 */
async function accessCheckPhase(dir: string): Promise<void> {
  const open = await seededContext(dir, 'open');
  const guarded = await seededContext(dir, 'guarded', { API_TOKEN });
  const { secret } = await guarded.tokens.create({ name: 'bench', scope: 'read', expires_at: null }, 'cli');
  // How many revision reads the check makes: requests arriving together share one.
  const revisionReads = new Map<object, number>();
  for (const ctx of [open, guarded]) {
    const read = ctx.tokens.revision.bind(ctx.tokens);
    ctx.tokens.revision = () => {
      revisionReads.set(ctx, (revisionReads.get(ctx) ?? 0) + 1);
      return read();
    };
  }
  const listen = { port: 0, host: '127.0.0.1' };
  const unchecked = await startHttpServer(open, { ...listen, withoutAccessCheck: true });
  const anonymous = await startHttpServer(open, listen);
  const withTokens = await startHttpServer(guarded, listen);
  const modes: { name: string; base: string; ctx: object; headers: Record<string, string> }[] = [
    { name: 'without the access check', base: unchecked.address, ctx: open, headers: {} },
    { name: 'anonymous (no tokens)', base: anonymous.address, ctx: open, headers: {} },
    { name: 'API_TOKEN', base: withTokens.address, ctx: guarded, headers: { authorization: `Bearer ${API_TOKEN}` } },
    {
      name: 'stored read token',
      base: withTokens.address,
      ctx: guarded,
      headers: { authorization: `Bearer ${secret}` },
    },
  ];
  try {
    const runs = modes.map(() => [] as LoadResult[]);
    const reads = modes.map(() => 0);
    for (const mode of modes) await load(`${mode.base}/rules/app`, 1, mode.headers); // warm-up
    for (let round = 0; round < ROUNDS; round += 1) {
      // Each round starts with another mode, so no mode always runs first (or after the same one).
      for (let k = 0; k < modes.length; k += 1) {
        const i = (k + round) % modes.length;
        const mode = modes[i];
        const before = revisionReads.get(mode.ctx) ?? 0;
        runs[i].push(await load(`${mode.base}/rules/app`, SECONDS, mode.headers));
        reads[i] += (revisionReads.get(mode.ctx) ?? 0) - before;
      }
    }
    const results = runs.map(combine);
    // Per round, each mode beside the unchecked run of the same round: the median of those
    // ratios is less disturbed by a machine whose load changes than the ratio of the totals.
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const roundRatios = (i: number, figure: (r: LoadResult) => number) =>
      median(runs[i].map((run, round) => figure(run) / figure(runs[0][round])));
    console.log(
      'GET /rules/app and the access check (issue 22 goal: each within 5 % of the requests per second without it)',
    );
    for (const [i, mode] of modes.entries()) {
      const result = results[i];
      const extra =
        i === 0
          ? ''
          : `   median of rounds: ${((roundRatios(i, rps) - 1) * 100).toFixed(1)}% req/s, ` +
            `${((roundRatios(i, cpuPerRequest) - 1) * 100).toFixed(1)}% CPU/req`;
      const readsPerRequest = reads[i] / Math.max(1, result.requests + result.errors);
      console.log(`${line(mode.name, result)}${extra}   token revision reads/request ${readsPerRequest.toFixed(2)}`);
      if (result.errors > 0) throw new Error(`${mode.name}: ${result.errors} requests were not answered 200`);
    }
  } finally {
    for (const server of [unchecked, anonymous, withTokens]) await server.close();
    await open.close();
    await guarded.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-bench-api-'));
  const ctx = await seededContext(dir, 'state');
  // The same JSON from memory through the full lagwatch stack (hooks, auth check, metrics,
  // serialisation): the HTTP layer's share, without the database read.
  const bodies = new Map<string, unknown>();
  const api = await startHttpServer(ctx, {
    port: 0,
    host: '127.0.0.1',
    extraRoutes: async (app) => {
      app.get('/bench/memory/*', async (request) => bodies.get(request.url.slice('/bench/memory'.length)));
    },
  });

  // The bare server answers each path with the very JSON the API gave for it.
  for (const path of PATHS) {
    const sample = await fetch(`${api.address}${path}`);
    const body = (await sample.json()) as { data: { total: number } };
    if (sample.status !== 200 || body.data.total !== 100) throw new Error(`the API did not answer ${path}`);
    bodies.set(path, body);
  }
  const bare = Fastify({ logger: false });
  bare.get('/rules/app', async (request) => bodies.get(request.url));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareBase = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

  try {
    console.log(
      `lagwatch API bench: 100 rules, SQLite, ${CONNECTIONS} keep-alive connections, ${ROUNDS} alternating rounds of ${SECONDS} s`,
    );
    console.log(`node ${process.version}; ${cpus().length} CPUs; load average at start ${loadavg()[0].toFixed(1)}`);
    for (const path of PATHS) {
      await load(`${bareBase}${path}`, 1); // warm-up
      await load(`${api.address}${path}`, 1);
      const bareRuns: LoadResult[] = [];
      const apiRuns: LoadResult[] = [];
      const memoryRuns: LoadResult[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        bareRuns.push(await load(`${bareBase}${path}`, SECONDS));
        apiRuns.push(await load(`${api.address}${path}`, SECONDS));
        memoryRuns.push(await load(`${api.address}/bench/memory${path}`, SECONDS));
      }
      const bareResult = combine(bareRuns);
      const apiResult = combine(apiRuns);
      const memoryResult = combine(memoryRuns);
      const ratio = rps(apiResult) / rps(bareResult);
      const cpuRatio = cpuPerRequest(bareResult) / cpuPerRequest(apiResult);
      console.log(`GET ${path} (response ${JSON.stringify(bodies.get(path)).length} bytes)`);
      console.log(line('bare Fastify route (same JSON)', bareResult));
      console.log(line('lagwatch API (full stack, auth off)', apiResult));
      console.log(line('lagwatch stack, same JSON from memory', memoryResult));
      console.log(
        `  ratio API / bare: ${(ratio * 100).toFixed(1)}% of the requests per second (goal >= 30%: ${ratio >= 0.3 ? 'met' : 'NOT met'}); ` +
          `${(cpuRatio * 100).toFixed(1)}% by server CPU per request`,
      );
      const dbShare = (cpuPerRequest(apiResult) - cpuPerRequest(memoryResult)) / cpuPerRequest(apiResult);
      console.log(
        `  share of the API's server CPU spent reading the rules (repository): ${(dbShare * 100).toFixed(0)}%`,
      );
    }
    await accessCheckPhase(dir);
  } finally {
    await bare.close();
    await api.close();
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
