/**
 * The ingest thread's work in one process, without HTTP: `npx tsx bench/ingest-paths.ts [count] [rounds] [paths]`
 * (default 300,000 documents per path, 3 rounds, paths `ndjson,es-bulk,otlp`).
 *
 * Calls what the ingest worker calls for each body (ingest-worker.ts): `ingestBody` for NDJSON,
 * `ingestBulkBody` and the serialised bulk answer for Elasticsearch bulk bodies, `ingestOtlpBody`
 * for OTLP protobuf trace exports, on a fresh store in a temp folder per path and round, with
 * 1,000 documents per body (the documents of bench/es-bulk.ts and the spans of bench/otlp.ts).
 * Paths alternate within each round. Prints documents per second and per CPU-second of this
 * process (one thread does all the work here), and the load average; for profiling run it under
 * `node --cpu-prof --import tsx`.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { EmbeddedLogStore } from '../src/logs/embedded/embedded-log-store.js';
import { ingestBody } from '../src/logs/ndjson/ingest-body.js';
import { ingestBulkBody } from '../src/logs/protocols/es-bulk/bulk-body.js';
import { bulkResponse, filterPath } from '../src/logs/protocols/es-bulk/bulk-response.js';
import { ingestOtlpBody } from '../src/logs/protocols/otlp/otlp-body.js';
import { otlpMessages } from '../src/logs/protocols/otlp/otlp-messages.js';

const total = Number(process.argv[2] ?? 300_000);
const rounds = Number(process.argv[3] ?? 3);
const PER_BODY = 1_000;
const now = Date.now();

function document(i: number): string {
  return JSON.stringify({
    '@timestamp': new Date(now - 600_000 + (i % 600_000)).toISOString(),
    app_name: `app-${i % 20}`,
    message_key: `key-${i % 50}`,
    duration: (i * 7919) % 3000,
    correlation_id: `c-${i}`,
    level: 'info',
    message: 'a request took its time',
  });
}

type Path = 'ndjson' | 'es-bulk' | 'otlp';
const paths = (process.argv[4]?.split(',') ?? ['ndjson', 'es-bulk', 'otlp']) as Path[];

const ndjsonBodies: Buffer[] = [];
const bulkBodies: Buffer[] = [];
for (let from = 0; from < total; from += PER_BODY) {
  const documents: string[] = [];
  const pairs: string[] = [];
  for (let i = from; i < Math.min(total, from + PER_BODY); i++) {
    const doc = document(i);
    documents.push(doc);
    pairs.push('{"index":{"_index":"logs-bench"}}', doc);
  }
  ndjsonBodies.push(Buffer.from(`${documents.join('\n')}\n`));
  bulkBodies.push(Buffer.from(`${pairs.join('\n')}\n`));
}

function otlpBody(seed: number): Buffer {
  const { traceRequest } = otlpMessages();
  const start = BigInt(now - 300_000) * 1_000_000n;
  const byService = new Map<number, object[]>();
  for (let i = 0; i < PER_BODY; i++) {
    const n = seed * PER_BODY + i;
    const id = Buffer.alloc(16);
    id.writeUInt32BE(n + 1, 12);
    id.writeUInt32BE(seed + 1, 0);
    const begin = start + BigInt(n) * 1_000_000n;
    const list = byService.get(i % 8) ?? [];
    list.push({
      traceId: id,
      spanId: id.subarray(8),
      name: `GET /api/route-${n % 40}`,
      kind: 2,
      startTimeUnixNano: String(begin),
      endTimeUnixNano: String(begin + BigInt(((n * 7919) % 3000) * 1_000_000 + 123_456)),
      attributes: [
        { key: 'http.request.method', value: { stringValue: 'GET' } },
        { key: 'http.route', value: { stringValue: `/api/route-${n % 40}` } },
        { key: 'http.response.status_code', value: { intValue: 200 } },
      ],
      status: { code: n % 97 === 0 ? 2 : 0 },
    });
    byService.set(i % 8, list);
  }
  const message = traceRequest.fromObject({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: `service-${service}` } },
          { key: 'telemetry.sdk.language', value: { stringValue: 'nodejs' } },
          { key: 'host.name', value: { stringValue: 'bench-host' } },
        ],
      },
      scopeSpans: [{ scope: { name: 'bench' }, spans: list }],
    })),
  });
  return Buffer.from(traceRequest.encode(message).finish());
}

const otlpBodies = paths.includes('otlp')
  ? Array.from({ length: Math.ceil(total / PER_BODY) }, (_, i) => otlpBody(i))
  : [];

async function run(path: Path): Promise<{ stored: number; seconds: number; cpuSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lagwatch-ingest-paths-'));
  const config = loadConfig({ EMBEDDED_LOG_DB: join(dir, 'logs.db') }, undefined);
  const store = EmbeddedLogStore.open(config);
  const limits = { gzip: false, maxBytes: config.embedded.ingestMaxBytes, maxLines: config.embedded.ingestMaxLines };
  let stored = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    if (path === 'ndjson') {
      for (const body of ndjsonBodies) stored += (await ingestBody(store, [body], limits)).accepted;
    } else if (path === 'es-bulk') {
      for (const body of bulkBodies) {
        const begun = performance.now();
        const { result, items } = await ingestBulkBody(store, [body], limits);
        JSON.stringify(filterPath(bulkResponse(items, performance.now() - begun), undefined));
        stored += result.accepted;
      }
    } else {
      for (const body of otlpBodies) {
        const result = await ingestOtlpBody(store, [body], {
          ...limits,
          maxItems: limits.maxLines,
          format: { signal: 'traces', encoding: 'protobuf' },
          fields: config.fields,
          spanKinds: config.otlpSpanKinds,
        });
        stored += result.accepted;
      }
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const used = process.cpuUsage(cpu);
  return { stored, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

console.log(
  `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; ` +
    `${total} documents per path, ${PER_BODY} per body, ${rounds} rounds; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
for (let round = 1; round <= rounds; round++) {
  for (const path of paths) {
    const { stored, seconds, cpuSeconds } = await run(path);
    console.log(
      `round ${round} ${path.padEnd(7)}: stored ${stored} in ${seconds.toFixed(2)} s: ` +
        `${Math.round(stored / seconds).toLocaleString('en')} documents/s, ` +
        `${Math.round(stored / cpuSeconds).toLocaleString('en')} per CPU-second (load ${loadavg()[0].toFixed(2)})`,
    );
  }
}
