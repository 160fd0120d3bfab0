import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { IngestBodyError, ingestBody } from '../../../src/logs/ndjson/ingest-body.js';
import { ingestBulkBody } from '../../../src/logs/protocols/es-bulk/bulk-body.js';
import { bulkResponse, filterPath } from '../../../src/logs/protocols/es-bulk/bulk-response.js';
import { ingestOtlpBody } from '../../../src/logs/protocols/otlp/otlp-body.js';
import { otlpMessages } from '../../../src/logs/protocols/otlp/otlp-messages.js';
import { openTempStore, seededRandom, type TempStore } from './temp-store.js';

/**
 * What the ingest paths store and answer for one fixed input, as a digest: every column of every
 * log row, the rollup rows (histograms as hex), the ledger's recorded answers, and the answers
 * themselves (a bulk body's serialised answer with `took` 0). The digests were recorded from the
 * code before the ingest thread's speed work (bench/README.md, ingest-paths): a change to any
 * stored byte or answer fails here. When a change of what is stored is meant, record them anew.
 */
const EXPECTED = {
  ndjson: '744a49383db385bdea46f205d77eba3b847cd2addf60533a4b00d779d7682573',
  bulk: '994ea26b89d0abdbefa1c7eb5a318aa0a9b89dd899b9b69502663a8fe2f5a156',
  otlp: '8657499e9ca2d607e1db85bfdb463dd59ed332f16de7c4f8feff9c9ec7aefab5',
};

const T0 = Date.UTC(2026, 0, 5, 10, 57, 30, 123);

/**
 * NDJSON lines of every shape the mapping meets, good and bad, over `spreadMs` from T0: five
 * minutes across an hour by default, or within one minute (a rollup flush of one minute).
 */
function ndjsonLines(count: number, seed: number, spreadMs = 300_000): string[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const time = T0 + Math.floor(random() * spreadMs);
    const shape = Math.floor(random() * 20);
    const doc: Record<string, unknown> = {
      '@timestamp': pick([
        new Date(time).toISOString(),
        time,
        String(time),
        new Date(time).toISOString().replace('Z', '+00:00'),
        // Microseconds, and an offset that moves the log two hours (kept within the one minute asked for).
        `${new Date(time).toISOString().slice(0, 23)}456${spreadMs < 60_000 ? 'Z' : '+0200'}`,
      ]),
      app_name: pick(['checkout', 'search', 'billing', 'ünïcode-app', '', null, 42]),
      message_key: pick(['GET /a', 'POST /b', 'job:nightly', 'k"quoted"', 'tab\tkey', undefined]),
      duration: pick([
        0,
        1,
        random() * 3000,
        Math.floor(random() * 100_000),
        '250',
        ' 12.5 ',
        1e-7,
        'fast',
        null,
        undefined,
      ]),
      correlation_id: pick([`trace-${Math.floor(random() * 50)}`, null, 7]),
      level: pick(['INFO', 'warn', 'Error', 'debug', undefined, true]),
      message: pick(['done', 'a "quoted" message', 'emoji 🚀 and \u2028', '', undefined]),
      extra: { nested: { value: i }, list: [1, 'two', null] },
    };
    if (shape === 0) lines.push('{not json');
    else if (shape === 1) lines.push(JSON.stringify([doc]));
    else if (shape === 2) lines.push(JSON.stringify({ ...doc, duration: -5 }));
    else if (shape === 3) lines.push(JSON.stringify({ ...doc, '@timestamp': '2026-02-30T00:00:00Z' }));
    else if (shape === 4) lines.push('   ');
    else if (shape === 5) lines.push(`${JSON.stringify(doc)}\r`);
    else lines.push(JSON.stringify(doc));
  }
  return lines;
}

/** A bulk body: index and create pairs, ids given and not, other and broken actions. */
function bulkBody(count: number, seed: number, spreadMs?: number): string {
  const random = seededRandom(seed);
  const documents = ndjsonLines(count, seed + 1, spreadMs);
  const lines: string[] = [];
  documents.forEach((document, i) => {
    const kind = Math.floor(random() * 14);
    if (kind === 0) lines.push(JSON.stringify({ delete: { _index: 'logs', _id: `d${i}` } }));
    else if (kind === 1) lines.push(JSON.stringify({ update: { _id: `u${i}` } }), '{"doc":{"a":1}}');
    else if (kind === 2) lines.push('{"index": nope}', document);
    else if (kind === 3) lines.push(JSON.stringify({ upsert: {} }), document);
    else if (kind === 4) lines.push(JSON.stringify({ index: { _index: 'logs', _id: `id "${i}" ✓` } }), document);
    else if (kind === 5) lines.push(JSON.stringify({ create: { _index: 'other-index' } }), document);
    else if (kind === 6) lines.push(JSON.stringify({ index: {} }), document);
    else lines.push('{"index":{"_index":"logs-fixed"}}', document);
  });
  lines.push('{"index":{"_index":"logs-fixed"}}');
  return `${lines.join('\n')}\n`;
}

const anyValue = (random: () => number, i: number): object =>
  [
    { stringValue: `value-${i % 7}` },
    { intValue: i * 1_000_003 },
    { doubleValue: i / 7 },
    { boolValue: i % 2 === 0 },
    { bytesValue: Buffer.from([i % 256, 1, 2]) },
    { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } },
    { kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'ünï' } }] } },
  ][Math.floor(random() * 7)] as object;

/** An ExportTraceServiceRequest object: spans of every kind and status, a few unreadable ones. */
function traceRequest(count: number, seed: number, spreadNs = 300_000_000_000) {
  const random = seededRandom(seed);
  const start = BigInt(T0) * 1_000_000n;
  const resourceSpans = [0, 1, 2].map((service) => ({
    resource: {
      attributes: [
        { key: 'service.name', value: { stringValue: `service-${service}` } },
        { key: 'host.name', value: { stringValue: 'fixed-host' } },
        ...(service === 2 ? [{ key: 'level', value: { stringValue: 'WARN' } }] : []),
      ],
    },
    scopeSpans: [
      {
        scope: { name: 'fixed' },
        spans: Array.from({ length: count }, (_, i) => {
          const id = Buffer.alloc(16);
          id.writeUInt32BE(seed * 100_000 + service * 10_000 + i + 1, 12);
          const begin = start + BigInt(Math.floor(random() * spreadNs));
          const shape = Math.floor(random() * 12);
          return {
            traceId: shape === 0 ? Buffer.alloc(16) : id,
            spanId: shape === 1 ? Buffer.alloc(8) : id.subarray(8),
            parentSpanId: shape === 2 ? id.subarray(0, 8) : Buffer.alloc(0),
            name: ['GET /orders', 'SELECT ✓', '', 'queue "x"'][i % 4],
            kind: i % 6,
            startTimeUnixNano: String(shape === 3 ? 0n : begin),
            endTimeUnixNano: String(shape === 4 ? begin - 5n : begin + BigInt(Math.floor(random() * 3e9))),
            attributes: [
              { key: 'http.route', value: { stringValue: `/r/${i % 5}` } },
              { key: `attr-${i % 3}`, value: anyValue(random, i) },
              ...(shape === 5 ? [{ key: 'message_key', value: { stringValue: 'overridden' } }] : []),
            ],
            status: { code: i % 3, message: i % 3 === 2 ? 'failed' : '' },
          };
        }),
      },
    ],
  }));
  return { resourceSpans };
}

function logsRequest(count: number, seed: number) {
  const random = seededRandom(seed);
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'logs-service' } }] },
        scopeLogs: [
          {
            logRecords: Array.from({ length: count }, (_, i) => ({
              timeUnixNano: i % 9 === 0 ? '0' : String((BigInt(T0) + BigInt(i * 997)) * 1_000_000n),
              observedTimeUnixNano: String((BigInt(T0) + 5n) * 1_000_000n),
              severityText: ['INFO', 'ERROR', ''][i % 3],
              body:
                i % 2 === 0
                  ? { stringValue: `log line ${i}` }
                  : {
                      kvlistValue: {
                        values: [
                          { key: 'message_key', value: { stringValue: `job-${i % 4}` } },
                          { key: 'duration', value: { doubleValue: random() * 900 } },
                        ],
                      },
                    },
              attributes: [{ key: 'k', value: anyValue(random, i) }],
            })),
          },
        ],
      },
    ],
  };
}

/** Every stored row, in order, with blobs as hex; the ledger without its clock column. */
function storedRows(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    const rows = (sql: string) =>
      (db.prepare(sql).all() as Record<string, unknown>[]).map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([key, value]) => [key, Buffer.isBuffer(value) ? value.toString('hex') : value]),
        ),
      );
    return {
      logs: rows('SELECT * FROM logs ORDER BY seq'),
      stats: rows('SELECT * FROM rollup_stats ORDER BY span, start, app, message_key'),
      levels: rows('SELECT * FROM rollup_levels ORDER BY span, start, app, level'),
      series: rows('SELECT * FROM rollup_series ORDER BY span, start, scope, app'),
      keys: rows('SELECT key, body_sha256, result FROM ingest_keys ORDER BY key'),
    };
  } finally {
    db.close();
  }
}

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
const idempotency = (key: string, body: Buffer) => ({
  key,
  bodySha256: createHash('sha256').update(body).digest('hex'),
});

describe('stored rows and answers for a fixed input', () => {
  let temp: TempStore | undefined;
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });

  it('NDJSON bodies (plain, gzip, with an Idempotency-Key and its replay) store the same rows', async () => {
    temp = openTempStore();
    const answers: unknown[] = [];
    for (let body = 0; body < 5; body++) {
      const lines = ndjsonLines(700, body, body === 4 ? 20_000 : undefined);
      const text = Buffer.from(`\uFEFF${lines.join('\n')}\n\n`);
      const key = body === 3 ? idempotency('ndjson-key', text) : undefined;
      const chunks = body === 1 ? [gzipSync(text)] : [text.subarray(0, 1000), text.subarray(1000)];
      answers.push(await ingestBody(temp.store, chunks, { idempotency: key }));
      if (key) answers.push(await ingestBody(temp.store, [text], { idempotency: key }));
    }
    const path = temp.path;
    await temp.store.close();
    const stored = storedRows(path) as { logs: unknown[] };
    expect(stored.logs.length).toBeGreaterThan(1500);
    expect(digest({ answers, stored })).toBe(EXPECTED.ndjson);
  });

  it('Elasticsearch bulk bodies store the same rows and answer the same items', async () => {
    temp = openTempStore();
    const answers: string[] = [];
    for (let body = 0; body < 4; body++) {
      const text = Buffer.from(bulkBody(600, 10 + body, body === 3 ? 20_000 : undefined));
      // Generated ids derive from the key (random without one); the last body is sent twice.
      const key = idempotency(`bulk-key-${body}`, text);
      for (let run = 0; run < (body === 2 ? 2 : 1); run++) {
        const { result, items } = await ingestBulkBody(temp.store, [text], {
          defaultIndex: body === 1 ? 'from-url' : undefined,
          idempotency: key,
        });
        const answer = JSON.stringify(filterPath(bulkResponse(items, 0), undefined));
        const filtered = JSON.stringify(filterPath(bulkResponse(items, 0), 'errors,items.*.error,items.*._id'));
        answers.push(JSON.stringify(result), answer, filtered);
      }
    }
    const path = temp.path;
    await temp.store.close();
    const stored = storedRows(path) as { logs: unknown[] };
    expect(stored.logs.length).toBeGreaterThan(800);
    expect(digest({ answers, stored })).toBe(EXPECTED.bulk);
  });

  it('OTLP exports (protobuf and JSON, traces and logs, a body that does not decode) store the same rows', async () => {
    temp = openTempStore({ OTLP_SPAN_KINDS: 'server,consumer,root' });
    const config = loadConfig(temp.env, undefined);
    const messages = otlpMessages();
    const answers: unknown[] = [];
    const ingest = async (body: Buffer, signal: 'traces' | 'logs', encoding: 'protobuf' | 'json') => {
      try {
        return await ingestOtlpBody(temp!.store, [body], {
          format: { signal, encoding },
          gzip: false,
          maxBytes: config.embedded.ingestMaxBytes,
          maxItems: config.embedded.ingestMaxLines,
          fields: config.fields,
          spanKinds: config.otlpSpanKinds,
        });
      } catch (error) {
        if (error instanceof IngestBodyError) return { code: error.code, message: error.message };
        throw error;
      }
    };
    for (let seed = 0; seed < 3; seed++) {
      const traces = traceRequest(300, 20 + seed);
      const proto = Buffer.from(messages.traceRequest.encode(messages.traceRequest.fromObject(traces)).finish());
      answers.push(await ingest(proto, 'traces', 'protobuf'));
      const logs = logsRequest(200, 30 + seed);
      const logsProto = Buffer.from(messages.logsRequest.encode(messages.logsRequest.fromObject(logs)).finish());
      answers.push(await ingest(logsProto, 'logs', 'protobuf'));
    }
    const oneMinute = traceRequest(200, 60, 20_000_000_000);
    answers.push(
      await ingest(
        Buffer.from(messages.traceRequest.encode(messages.traceRequest.fromObject(oneMinute)).finish()),
        'traces',
        'protobuf',
      ),
    );
    const json = traceRequest(50, 40);
    const asJson = {
      resourceSpans: json.resourceSpans.map((resource) => ({
        ...resource,
        scopeSpans: resource.scopeSpans.map((scope) => ({
          ...scope,
          spans: scope.spans.map((span) => ({
            ...span,
            traceId: span.traceId.toString('hex'),
            spanId: span.spanId.toString('hex'),
            parentSpanId: span.parentSpanId.toString('hex'),
            attributes: span.attributes.map((kv) =>
              'bytesValue' in kv.value
                ? { key: kv.key, value: { bytesValue: (kv.value.bytesValue as Buffer).toString('base64') } }
                : kv,
            ),
          })),
        })),
      })),
    };
    answers.push(await ingest(Buffer.from(JSON.stringify(asJson)), 'traces', 'json'));
    // A span name that is not UTF-8, and a truncated message: bodies that do not decode.
    const small = Buffer.from(
      messages.traceRequest.encode(messages.traceRequest.fromObject(traceRequest(2, 50))).finish(),
    );
    answers.push(await ingest(small.subarray(0, small.length - 3), 'traces', 'protobuf'));
    small[small.indexOf(Buffer.from('GET /orders'))] = 0xff;
    answers.push(await ingest(small, 'traces', 'protobuf'));
    const path = temp.path;
    await temp.store.close();
    const stored = storedRows(path) as { logs: unknown[] };
    expect(stored.logs.length).toBeGreaterThan(900);
    expect(digest({ answers, stored })).toBe(EXPECTED.otlp);
  });
});
