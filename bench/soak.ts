/**
 * soak: lagwatch scanning a REAL OpenSearch/Elasticsearch node through the fault proxy
 * (test/support/fault-proxy.ts) for a long while, with a random fault every minute.
 * Run: npx tsx bench/soak.ts [url] [--minutes N] [--rate docs/s] [--cron-seconds S] [--fault-seconds S]
 *      (defaults http://127.0.0.1:9202, 30 minutes, 500 documents/s, 60 s, 60 s). By hand, not in CI.
 *
 * - Documents go straight to the node (`_bulk`, index `soak-<random>-logs-1`, deleted at the end,
 *   also on Ctrl-C): 5 apps, 1 % over their app rule's threshold. Only documents the node stored
 *   count as expected violations.
 * - lagwatch reads through the proxy, twice, over separate SQLite state databases: `lagwatch
 *   start` (a child process, default scan settings, ELASTICSEARCH_TIMEOUT_MS=10000) and a
 *   cron-style `lagwatch log:alert-scan` (a new child process every --cron-seconds). Each
 *   installation's alerts go to its own path of a local webhook receiver, which counts
 *   X-Lagwatch-Delivery ids (a duplicate notification is an id received twice).
 * - Every --fault-seconds one fault from FaultKind (or a node restart of 2-8 s) is armed for the
 *   next 1-3 reads of `_search`, `_search/scroll` or `_count`.
 * - At the end faults stop, ingest stops, both installations catch up (a last cron run; `start`
 *   is given up to 2 minutes), and the figures are printed: violations expected vs recorded
 *   (missing, extra), scans by status and failure reason, notifications (deliveries, duplicates,
 *   violations they reported), RSS of `start` over time, and the load average.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { createAppContext } from '../src/app/create-context.js';
import { loadConfig } from '../src/config/load.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logging/logger.js';
import { FAULT_KINDS, type FaultMatch, FaultProxy } from '../test/support/fault-proxy.js';
import { closedPort } from '../test/support/ports.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} needs a positive number`);
    process.exit(1);
  }
  args.splice(at, 2);
  return value;
};
const MINUTES = option('minutes', 30);
const RATE = option('rate', 500);
const CRON_SECONDS = option('cron-seconds', 60);
const FAULT_SECONDS = option('fault-seconds', 60);
const NODE = (args[0] ?? 'http://127.0.0.1:9202').replace(/\/$/, '');
const ROOT = join(import.meta.dirname, '..');
const PREFIX = `soak-${randomBytes(3).toString('hex')}-`;
const INDEX = `${PREFIX}logs-1`;
const APPS = ['soak-a', 'soak-b', 'soak-c', 'soak-d', 'soak-e'];
const THRESHOLD = 1000;
const dir = mkdtempSync(join(tmpdir(), 'lagwatch-soak-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const minute = (started: number) => ((Date.now() - started) / 60_000).toFixed(1);

async function node(method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await fetch(NODE + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer.json();
}

/** Counts deliveries per installation (path) by X-Lagwatch-Delivery. */
function startReceiver() {
  const byPath = new Map<string, { ids: Map<string, number>; reported: number }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = byPath.get(req.url ?? '') ?? { ids: new Map(), reported: 0 };
      byPath.set(req.url ?? '', entry);
      const id = String(req.headers['x-lagwatch-delivery'] ?? 'none');
      const seen = entry.ids.get(id) ?? 0;
      entry.ids.set(id, seen + 1);
      if (seen === 0) {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind?: string; count?: number };
        if (payload.kind !== 'resolved') entry.reported += payload.count ?? 0;
      }
      res.writeHead(204).end();
    });
  });
  return new Promise<{ url: string; byPath: typeof byPath; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        byPath,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

const proxy = await FaultProxy.start(NODE);
const receiver = await startReceiver();
const installations = ['start', 'cron'].map((name) => ({
  name,
  dbPath: join(dir, `${name}.db`),
  env: {
    PATH: process.env.PATH ?? '',
    LOG_LEVEL: 'warn',
    LOG_SOURCE: 'elasticsearch',
    ELASTICSEARCH_HOST: proxy.url,
    ELASTICSEARCH_INDEX_PREFIX: PREFIX,
    ELASTICSEARCH_TIMEOUT_MS: '10000',
    DB_DATABASE: join(dir, `${name}.db`),
    EMBEDDED_LOG_DB: join(dir, `${name}-logs.db`),
    TELEGRAM_UPDATES: 'off',
  } as Record<string, string>,
}));

let service: ChildProcess | undefined;
let stopping = false;
async function cleanUp(): Promise<void> {
  stopping = true;
  if (service?.pid !== undefined && service.exitCode === null) service.kill('SIGTERM');
  await proxy.close().catch(() => undefined);
  await receiver.close().catch(() => undefined);
  await node('DELETE', `/${INDEX}`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
process.once('SIGINT', () => {
  void cleanUp().then(() => process.exit(130));
});

// The index, and each installation's state: migrated, one webhook target, one rule per app.
await node('PUT', `/${INDEX}`, {
  settings: { number_of_shards: 2, number_of_replicas: 0 },
  mappings: {
    properties: {
      '@timestamp': { type: 'date' },
      app_name: { type: 'keyword' },
      duration: { type: 'long' },
      message: { type: 'text' },
    },
  },
});
for (const inst of installations) {
  const ctx = createAppContext(loadConfig(inst.env, undefined), createLogger({ logLevel: 'silent' }));
  await migrateToLatest(ctx.state);
  await ctx.targets.create({ name: inst.name, type: 'webhook', external_id: `${receiver.url}/${inst.name}` }, 'bench');
  for (const app of APPS) {
    await ctx.appRules.create({ app_name: app, max_duration: THRESHOLD, alert_channels: ['webhook'] }, 'bench');
  }
  await ctx.close();
}

const started = Date.now();
const start = installations[0]!;
const cron = installations[1]!;
const port = await closedPort();
service = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start'], {
  cwd: ROOT,
  env: { ...start.env, PORT: String(port) },
  stdio: ['ignore', 'ignore', 'ignore'],
});

// Ingest: RATE documents a second, straight into the node; expected = violating documents stored.
const expected = new Set<string>();
let stored = 0;
let refused = 0;
const ingest = (async () => {
  let due = Date.now();
  for (let second = 0; !stopping && Date.now() - started < MINUTES * 60_000; second++) {
    const docs = Array.from({ length: RATE }, (_, i) => {
      const violating = Math.random() < 0.01;
      return {
        '@timestamp': new Date(Date.now() - Math.floor(Math.random() * 2000)).toISOString(),
        app_name: APPS[i % APPS.length],
        duration: violating ? THRESHOLD + 1 + Math.floor(Math.random() * 5000) : 10 + Math.floor(Math.random() * 900),
        message: `soak ${second}-${i}`,
      };
    });
    const lines = docs.flatMap((d) => [JSON.stringify({ index: { _index: INDEX } }), JSON.stringify(d)]);
    try {
      const answer = await fetch(`${NODE}/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      });
      const body = (await answer.json()) as { items?: { index: { status: number; _id: string; _index: string } }[] };
      for (const [i, item] of (body.items ?? []).entries()) {
        if (item.index.status !== 201) {
          refused++;
          continue;
        }
        stored++;
        if (docs[i]!.duration > THRESHOLD) expected.add(`${item.index._index}/${item.index._id}`);
      }
    } catch {
      refused += RATE;
    }
    due += 1000;
    await sleep(Math.max(0, due - Date.now()));
  }
})();

// The cron-style scanner: a new `log:alert-scan` process every CRON_SECONDS.
const cronRuns: { status: string; seconds: number }[] = [];
const runCron = () =>
  new Promise<void>((resolve) => {
    const t = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'log:alert-scan'], {
      cwd: ROOT,
      env: cron.env,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.once('exit', (code) => {
      cronRuns.push({ status: code === 0 ? 'ok' : `exit ${code}`, seconds: (Date.now() - t) / 1000 });
      resolve();
    });
  });
const cronLoop = (async () => {
  while (!stopping && Date.now() - started < MINUTES * 60_000) {
    const next = Date.now() + CRON_SECONDS * 1000;
    await runCron();
    await sleep(Math.max(0, next - Date.now()));
  }
})();

// A random fault every FAULT_SECONDS.
const PATHS: [string, FaultMatch][] = [
  ['_search', { path: /\/_search$/, method: 'POST' }],
  ['_search/scroll', { path: /^\/_search\/scroll$/, method: 'POST' }],
  ['_count', { path: /\/_count$/, method: 'POST' }],
];
const armed: string[] = [];
const faultLoop = (async () => {
  while (!stopping && Date.now() - started < MINUTES * 60_000) {
    await sleep(FAULT_SECONDS * 1000);
    if (stopping || Date.now() - started >= MINUTES * 60_000) break;
    await proxy.clear();
    const [pathName, match] = PATHS[Math.floor(Math.random() * PATHS.length)]!;
    const choice = Math.floor(Math.random() * (FAULT_KINDS.length + 1));
    const count = 1 + Math.floor(Math.random() * 3);
    if (choice === FAULT_KINDS.length) {
      const downMs = 2000 + Math.floor(Math.random() * 6000);
      proxy.restartNodeAfter(match, downMs);
      armed.push(`${minute(started)} min: node restart (${downMs} ms down) after ${pathName}`);
    } else {
      const kind = FAULT_KINDS[choice]!;
      const retryAfterSeconds = kind === 'rejected-429' ? 1 + Math.floor(Math.random() * 3) : undefined;
      proxy.inject(kind, match, count, { retryAfterSeconds });
      armed.push(`${minute(started)} min: ${kind} x${count} on ${pathName}`);
    }
  }
})();

// RSS of `lagwatch start` every 30 s.
const rss: string[] = [];
const rssLoop = (async () => {
  while (!stopping && Date.now() - started < MINUTES * 60_000) {
    try {
      const status = readFileSync(`/proc/${service?.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      rss.push(`${minute(started)} min ${(kb / 1024).toFixed(0)} MB (load ${loadavg()[0]!.toFixed(1)})`);
    } catch {
      rss.push(`${minute(started)} min: start is not running`);
    }
    await sleep(30_000);
  }
})();

function figures(dbPath: string) {
  const db = new SQLite(dbPath, { readonly: true, fileMustExist: true });
  try {
    // source_id is `<source key>:<index>/<id>`; neither index names nor generated ids hold a colon.
    const ids = (db.prepare('SELECT source_id FROM violations').all() as { source_id: string }[]).map((r) =>
      r.source_id.slice(r.source_id.lastIndexOf(':') + 1),
    );
    const scans = db
      .prepare(
        "SELECT status, COALESCE(substr(error, 1, 200), '') AS error, COUNT(*) AS n FROM cron_logs GROUP BY 1, 2",
      )
      .all() as { status: string; error: string; n: number }[];
    const alerts = db.prepare('SELECT status, COUNT(*) AS n FROM alert_log GROUP BY 1').all() as {
      status: string;
      n: number;
    }[];
    return { ids, scans, alerts };
  } finally {
    db.close();
  }
}

try {
  await Promise.all([ingest, cronLoop, faultLoop, rssLoop]);
  await proxy.clear();
  const lastDoc = Date.now();
  console.log(`ingest done (${stored} stored, ${refused} refused); letting both installations catch up`);
  await sleep(5_000);
  await runCron();
  await runCron(); // delivers what the previous run queued and retried
  for (let i = 0; i < 120 && figures(start.dbPath).ids.length < expected.size; i++) await sleep(1000);
  await sleep(5_000); // the service's outbox
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

  console.log(`\nsoak: ${MINUTES} min against ${NODE}, ${RATE} documents/s, load average now ${load}`);
  console.log(`documents stored ${stored}, refused by the node ${refused}; expected violations ${expected.size}`);
  console.log(`caught up ${((Date.now() - lastDoc) / 1000).toFixed(0)} s after the last document`);
  console.log('\nfaults armed:');
  for (const line of armed) console.log(`  ${line}`);
  const applied = [...FAULT_KINDS, 'restart' as const].map((k) => `${k} ${proxy.applied(k)}`).join(', ');
  console.log(`faults that hit a request: ${applied}`);
  for (const inst of installations) {
    const { ids, scans, alerts } = figures(inst.dbPath);
    const recorded = new Set(ids);
    const missing = [...expected].filter((id) => !recorded.has(id)).length;
    const extra = [...recorded].filter((id) => !expected.has(id)).length;
    const hooks = receiver.byPath.get(`/${inst.name}`) ?? { ids: new Map<string, number>(), reported: 0 };
    const deliveries = [...hooks.ids.values()].reduce((a, b) => a + b, 0);
    console.log(`\n${inst.name === 'start' ? 'lagwatch start' : 'cron-style log:alert-scan'}:`);
    console.log(
      `  violations expected ${expected.size}, recorded ${ids.length} (distinct ${recorded.size}), missing ${missing}, extra ${extra}`,
    );
    for (const s of scans) console.log(`  scans ${s.status}: ${s.n}${s.error ? `  (${s.error})` : ''}`);
    console.log(`  alert log: ${alerts.map((a) => `${a.status} ${a.n}`).join(', ')}`);
    console.log(
      `  webhook deliveries ${deliveries}, distinct ${hooks.ids.size}, duplicates ${deliveries - hooks.ids.size}; violations they reported ${hooks.reported}`,
    );
  }
  const slowest = Math.max(...cronRuns.map((r) => r.seconds));
  console.log(
    `\ncron runs ${cronRuns.length}, non-zero exits ${cronRuns.filter((r) => r.status !== 'ok').length}, slowest ${slowest.toFixed(1)} s`,
  );
  console.log('RSS of lagwatch start:');
  for (const line of rss) console.log(`  ${line}`);
} finally {
  await cleanUp();
}
