/**
 * The ingest thread's work in one process, without HTTP:
 * `npx tsx bench/ingest-paths.ts [count] [paths] [baseline checkout]` (default 200,000 documents
 * per path; paths `ndjson,es-bulk,otlp,demo`).
 *
 * Calls what the ingest worker calls for each body (ingest-worker.ts): `ingestBody` for NDJSON,
 * `ingestBulkBody` and the serialised bulk answer for Elasticsearch bulk bodies, `ingestOtlpBody`
 * for OTLP protobuf trace exports, on a fresh store in a temp folder, 1,000 documents per body:
 * `ndjson` and `es-bulk` the documents of bench/es-bulk.ts, `otlp` the spans of bench/otlp.ts,
 * `demo` the demo generator's logs as bench/ingest.ts writes them (NDJSON).
 *
 * Given the path of another checkout (e.g. `git worktree add /tmp/base main`, with node_modules),
 * its modules are loaded beside this tree's and every body goes to a store of each in turn (the
 * order alternating), so both sides meet the same load on a shared machine; each side's CPU time
 * is summed per body. Prints documents per CPU-second (and the change against the baseline) and
 * the load average. For profiling run it under `node --cpu-prof --import tsx`.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateDemoLogs } from '../src/demo/generate.js';
import { benchDocument, benchOtlpTraceBody } from './support/bench-documents.js';

const total = Number(process.argv[2] ?? 200_000);
const paths = (process.argv[3] ?? 'ndjson,es-bulk,otlp,demo').split(',');
const baseline = process.argv[4];
const PER_BODY = 1_000;
const now = Date.now();

const document = (i: number): string => benchDocument(i, now);
const otlpBody = (seed: number): Buffer => benchOtlpTraceBody(seed, PER_BODY, now);

function bodiesOf(path: string): Buffer[] {
  const bodies: Buffer[] = [];
  if (path === 'otlp') {
    for (let seed = 0; seed * PER_BODY < total; seed++) bodies.push(otlpBody(seed));
  } else if (path === 'demo') {
    // As bench/ingest.ts: consecutive 10-minute windows of 50,000 logs, oldest first.
    const windows = Math.ceil(total / 50_000);
    for (let w = 0; w < windows; w++) {
      const logs = generateDemoLogs({
        now: now - (windows - 1 - w) * 600_000,
        count: 50_000,
        seed: w + 1,
        spanMs: 600_000,
      });
      for (let at = 0; at < logs.length; at += PER_BODY) {
        bodies.push(
          Buffer.from(
            `${logs
              .slice(at, at + PER_BODY)
              .map((log) => JSON.stringify(log))
              .join('\n')}\n`,
          ),
        );
      }
    }
  } else {
    for (let from = 0; from < total; from += PER_BODY) {
      const lines: string[] = [];
      for (let i = from; i < from + PER_BODY; i++) {
        if (path === 'es-bulk') lines.push('{"index":{"_index":"logs-bench"}}');
        lines.push(document(i));
      }
      bodies.push(Buffer.from(`${lines.join('\n')}\n`));
    }
  }
  return bodies;
}

interface Side {
  ingest(path: string, body: Buffer): Promise<number>;
  close(): Promise<void>;
}

/** A fresh store of the checkout at `root`, and the ingest worker's calls from that checkout's modules. */
async function openSide(root: string): Promise<Side> {
  const from = (module: string) => import(join(root, 'src', module));
  const { loadConfig } = await from('config/load.js');
  const { EmbeddedLogStore } = await from('logs/embedded/embedded-log-store.js');
  const { ingestBody } = await from('logs/ndjson/ingest-body.js');
  const { ingestBulkBody } = await from('logs/protocols/es-bulk/bulk-body.js');
  const { bulkResponse, filterPath } = await from('logs/protocols/es-bulk/bulk-response.js');
  const { ingestOtlpBody } = await from('logs/protocols/otlp/otlp-body.js');
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-ingest-paths-'));
  const config = loadConfig({ EMBEDDED_LOG_DB: join(dir, 'logs.db') }, undefined);
  const store = EmbeddedLogStore.open(config);
  const limits = { gzip: false, maxBytes: config.embedded.ingestMaxBytes, maxLines: config.embedded.ingestMaxLines };
  return {
    async ingest(path, body) {
      if (path === 'es-bulk') {
        const started = performance.now();
        const { result, items } = await ingestBulkBody(store, [body], limits);
        JSON.stringify(filterPath(bulkResponse(items, performance.now() - started), undefined));
        return result.accepted;
      }
      if (path === 'otlp') {
        const result = await ingestOtlpBody(store, [body], {
          ...limits,
          maxItems: limits.maxLines,
          format: { signal: 'traces', encoding: 'protobuf' },
          fields: config.fields,
          spanKinds: config.otlpSpanKinds,
        });
        return result.accepted;
      }
      return (await ingestBody(store, [body], limits)).accepted;
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

console.log(
  `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; ` +
    `${total} documents per path, ${PER_BODY} per body${baseline ? `, baseline ${baseline}` : ''}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
const roots = [join(import.meta.dirname, '..'), ...(baseline ? [resolve(baseline)] : [])];
for (const path of paths) {
  const bodies = bodiesOf(path);
  const sides = await Promise.all(roots.map(openSide));
  const cpu = sides.map(() => 0);
  const stored = sides.map(() => 0);
  const started = performance.now();
  try {
    for (const [n, body] of bodies.entries()) {
      for (let k = 0; k < sides.length; k++) {
        const side = (n + k) % sides.length;
        const before = process.cpuUsage();
        // A copy each: the store hands the chunks over.
        stored[side] += await (sides[side] as Side).ingest(path, Buffer.from(body));
        const used = process.cpuUsage(before);
        cpu[side] += (used.user + used.system) / 1e6;
      }
    }
  } finally {
    await Promise.all(sides.map((side) => side.close()));
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = (side: number) => (stored[side] ?? 0) / (cpu[side] ?? 1);
  const change =
    sides.length > 1
      ? `, baseline ${Math.round(rate(1)).toLocaleString('en')} (${((rate(0) / rate(1) - 1) * 100).toFixed(1)} %)`
      : '';
  console.log(
    `${path.padEnd(7)}: stored ${stored.join(' / ')} in ${seconds.toFixed(1)} s; ` +
      `${Math.round(rate(0)).toLocaleString('en')} documents per CPU-second${change} (load ${loadavg()[0].toFixed(2)})`,
  );
}
