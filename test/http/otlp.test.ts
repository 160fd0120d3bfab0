import { gzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/app/service.js';
import { otlpMessages } from '../../src/logs/protocols/otlp/otlp-messages.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'OTLP ingestion');

type ExportResult = { code: number; error?: Error };
const exported = <T>(exporter: { export(items: T[], done: (r: ExportResult) => void): void }, items: T[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(items, resolve));

/** Spans made by the real SDK: a server root with a slow child, a client span, an errored consumer. */
function sdkSpans(service: string, start: number): { spans: ReadableSpan[]; traceId: string } {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('lagwatch-test');
  const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: start });
  const inside = trace.setSpan(context.active(), root);
  tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: start + 5 }, inside).end(start + 400);
  const consumer = tracer.startSpan('orders.created', { kind: SpanKind.CONSUMER, startTime: start + 10 }, inside);
  consumer.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  consumer.end(start + 30);
  root.end(start + 750);
  return { spans: memory.getFinishedSpans(), traceId: root.spanContext().traceId };
}

describe.each(drivers)('OTLP/HTTP ingestion ($driver)', ({ driver, skipReason }) => {
  let world: ScanWorld;
  let service: RunningService;
  let base: string;

  beforeAll(async () => {
    if (skipReason) return;
    world = await openScanWorld(drivers.find((d) => d.driver === driver)!, {
      env: { SCAN_INTERVAL_SECONDS: '0', INGEST_MAX_BYTES: String(1024 * 1024) },
    });
    service = await startService(world.ctx, { port: 0, host: '127.0.0.1', intervalSeconds: 0 });
    base = service.server.address;
  }, 60_000);
  afterAll(async () => {
    await service?.close();
    await world?.close();
  });

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as { data: Record<string, unknown> };
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json.data;
  }

  it.skipIf(skipReason)(
    'spans from the SDK protobuf and JSON exporters land in the store, in /monitor/trace, and violate an app rule on a scan',
    { timeout: 60_000 },
    async () => {
      const rule = await api('POST', '/rules/app', {
        app_name: 'orders-api',
        max_duration: 500,
        alert_channels: ['telegram_chat'],
      });
      const start = Date.now() - 60_000;
      const proto = sdkSpans('orders-api', start);
      expect(await exported(new OTLPProtoTraceExporter({ url: `${base}/v1/traces` }), proto.spans)).toMatchObject({
        code: 0,
      });
      const json = sdkSpans('orders-api', start + 1_000);
      expect(await exported(new OTLPJsonTraceExporter({ url: `${base}/v1/traces` }), json.spans)).toMatchObject({
        code: 0,
      });

      for (const { traceId } of [proto, json]) {
        const found = await api('GET', `/monitor/trace?correlation_id=${traceId}`);
        // Default OTLP_SPAN_KINDS: the server root and the consumer, not the client span.
        const logs = found.logs as { message_key: string; duration_ms: number; level: string; app_name: string }[];
        expect(logs.map((l) => [l.app_name, l.message_key, l.duration_ms, l.level])).toEqual([
          ['orders-api', 'GET /orders', 750, 'info'],
          ['orders-api', 'orders.created', 20, 'error'],
        ]);
      }
      expect(await service.services.scanner.run()).toMatchObject({ violations: 2 });
      const found = await api('GET', `/monitor/trace?correlation_id=${proto.traceId}`);
      const logs = found.logs as { violation: { rule_id: number } | null }[];
      expect(logs[0]?.violation).toMatchObject({ rule_id: Number(rule.id) });
      expect(logs[1]?.violation).toBeNull();
    },
  );

  it.skipIf(skipReason)(
    'log records from the SDK protobuf logs exporter are read through the field mapping',
    async () => {
      const memory = new InMemoryLogRecordExporter();
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'billing' }),
        processors: [new SimpleLogRecordProcessor({ exporter: memory })],
      });
      const time = Date.now() - 30_000;
      const logger = provider.getLogger('lagwatch-test');
      const correlation = 'otlp-log-correlation';
      logger.emit({
        timestamp: time,
        severityNumber: SeverityNumber.WARN,
        body: 'invoice rendered',
        attributes: {
          app_name: 'billing-worker',
          message_key: 'invoice.render',
          duration: 1234,
          correlation_id: correlation,
        },
      });
      // No time in the record, no duration: the observed time; a log without duration.
      logger.emit({ body: { message_key: 'invoice.sent', correlation_id: correlation }, attributes: {} });
      const result = await exported(new OTLPLogExporter({ url: `${base}/v1/logs` }), memory.getFinishedLogRecords());
      expect(result).toMatchObject({ code: 0 });
      const found = await api('GET', `/monitor/trace?correlation_id=${correlation}`);
      const logs = found.logs as Record<string, unknown>[];
      expect(logs.map((l) => [l.app_name, l.message_key, l.duration_ms, l.level, l.message])).toEqual([
        ['billing-worker', 'invoice.render', 1234, 'warn', 'invoice rendered'],
        [null, 'invoice.sent', null, null, null],
      ]);
    },
  );
});

function varint(n: number): Buffer {
  const bytes: number[] = [];
  for (; n > 0x7f; n >>>= 7) bytes.push((n & 0x7f) | 0x80);
  bytes.push(n);
  return Buffer.from(bytes);
}

describe('OTLP/HTTP hostile and edge requests (sqlite)', () => {
  const sqlite = drivers.find((d) => d.driver === 'sqlite')!;
  const TOKEN = 'otlp-test-token-0123456789abcdef';
  let world: ScanWorld;
  let service: RunningService;
  let base: string;
  const messages = otlpMessages();

  beforeAll(async () => {
    world = await openScanWorld(sqlite, {
      env: {
        SCAN_INTERVAL_SECONDS: '0',
        INGEST_MAX_BYTES: String(4 * 1024 * 1024),
        API_TOKEN: TOKEN,
        INGEST_MAX_CONCURRENT: '1',
        INGEST_BODY_IDLE_TIMEOUT_SECONDS: '2',
      },
    });
    service = await startService(world.ctx, { port: 0, host: '127.0.0.1', intervalSeconds: 0 });
    base = service.server.address;
  }, 60_000);
  afterAll(async () => {
    await service?.close();
    await world?.close();
  });

  const now = BigInt(Date.now() - 10_000) * 1_000_000n;
  const traceId = (n: number) => Buffer.alloc(16, n);
  const span = (n: number, overrides: Record<string, unknown> = {}) => ({
    traceId: traceId(n),
    spanId: Buffer.alloc(8, n),
    name: `op-${n}`,
    kind: 2,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 250_000_000n),
    ...overrides,
  });
  const traceBody = (spans: object[], service_ = 'hostile') =>
    Buffer.from(
      messages.traceRequest
        .encode(
          messages.traceRequest.fromObject({
            resourceSpans: [
              {
                resource: { attributes: [{ key: 'service.name', value: { stringValue: service_ } }] },
                scopeSpans: [{ spans }],
              },
            ],
          }),
        )
        .finish(),
    );

  async function post(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-protobuf', ...headers },
      body,
    });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  }
  const partial = (body: Buffer) =>
    messages.traceResponse.toObject(messages.traceResponse.decode(body), { longs: Number }) as {
      partialSuccess?: { rejectedSpans: number; errorMessage: string };
    };

  it('refuses a span ending before it starts, and only that one, with its reason in partial_success', async () => {
    const answer = await post(
      '/v1/traces',
      traceBody([span(1), span(2, { endTimeUnixNano: String(now - 1n) }), span(3)]),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    expect(partial(answer.body).partialSuccess).toEqual({
      rejectedSpans: 1,
      errorMessage: '1 span refused: span 2: the span ends before it starts',
    });
  });

  it('answers a whole success without partial_success, in JSON for a JSON request (hex ids, enum names, int64 text)', async () => {
    const json = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-app' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'GET /json',
                  kind: 'SPAN_KIND_SERVER',
                  startTimeUnixNano: String(now),
                  endTimeUnixNano: String(now + 1_500_000n),
                  status: { code: 'STATUS_CODE_ERROR' },
                  unknownField: { anything: [1, 2] },
                },
              ],
              futureField: true,
            },
          ],
        },
      ],
    };
    const answer = await post('/v1/traces', JSON.stringify(json), { 'content-type': 'application/json' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body.toString())).toEqual({});
    const trace = await fetch(`${base}/monitor/trace?correlation_id=5b8efff798038103d269b633813fc60c`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const logs = ((await trace.json()) as { data: { logs: Record<string, unknown>[] } }).data.logs;
    expect(logs.map((l) => [l.app_name, l.message_key, l.duration_ms, l.level])).toEqual([
      ['json-app', 'GET /json', 1.5, 'error'],
    ]);
  });

  it('skips unknown protobuf fields', async () => {
    // Field 15 (varint) and field 16 (bytes) at the top of the request: unknown to OTLP 1.x.
    const body = Buffer.concat([traceBody([span(4)]), Buffer.from([0x78, 0x01, 0x82, 0x01, 0x02, 0x61, 0x62])]);
    const answer = await post('/v1/traces', body);
    expect(answer.status).toBe(200);
    expect(partial(answer.body).partialSuccess).toBeUndefined();
  });

  it('answers 400 with a google.rpc.Status for garbage protobuf and JSON, storing nothing', async () => {
    const garbage = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
    expect(garbage.status).toBe(400);
    const status = messages.status.toObject(messages.status.decode(garbage.body)) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not an OTLP protobuf message/);
    const json = await post('/v1/logs', '{"resourceLogs": [', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString())).toMatchObject({
      code: 3,
      message: expect.stringMatching(/not OTLP JSON/),
    });
    const shape = await post('/v1/logs', '{"resourceLogs": 5}', { 'content-type': 'application/json' });
    expect(shape.status).toBe(400);
  });

  it('refuses alone a span with a huge attribute value and one nested too deep', async () => {
    const huge = span(5, { attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(2 * 1024 * 1024) } }] });
    let deep: Record<string, unknown> = { stringValue: 'bottom' };
    for (let i = 0; i < 20; i++) deep = { kvlistValue: { values: [{ key: `k${i}`, value: deep }] } };
    const nested = span(6, { attributes: [{ key: 'deep', value: deep }] });
    const answer = await post('/v1/traces', traceBody([huge, span(7), nested]));
    expect(answer.status).toBe(200);
    const result = partial(answer.body).partialSuccess;
    expect(result?.rejectedSpans).toBe(2);
    expect(result?.errorMessage).toMatch(/span 1: its log document is larger than 1048576 bytes/);
    expect(result?.errorMessage).toMatch(/span 3: a value is nested deeper than 16 levels/);
  });

  it('answers 400 to protobuf nested past the decoder recursion limit (100 messages)', async () => {
    // AnyValue → KeyValueList → KeyValue: three messages a level. Written by hand, since the
    // encoder refuses such depth too.
    let value = Buffer.from([0x0a, 0x01, 0x78]); // AnyValue { string_value: "x" }
    for (let i = 0; i < 60; i++) {
      const keyValue = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12]), varint(value.length), value]);
      const list = Buffer.concat([Buffer.from([0x0a]), varint(keyValue.length), keyValue]);
      value = Buffer.concat([Buffer.from([0x32]), varint(list.length), list]);
    }
    const attribute = Buffer.concat([Buffer.from([0x0a, 0x01, 0x64, 0x12]), varint(value.length), value]);
    const spanBytes = Buffer.concat([
      traceBody([span(12)]).subarray(0, 0),
      Buffer.from([0x4a]),
      varint(attribute.length),
      attribute,
    ]);
    const scope = Buffer.concat([Buffer.from([0x12]), varint(spanBytes.length), spanBytes]);
    const resource = Buffer.concat([Buffer.from([0x12]), varint(scope.length), scope]);
    const request = Buffer.concat([Buffer.from([0x0a]), varint(resource.length), resource]);
    const answer = await post('/v1/traces', request);
    expect(answer.status).toBe(400);
    expect(messages.status.decode(answer.body).toJSON().message).toMatch(/max depth exceeded/);
  });

  it('refuses log records one by one: a bad time, a deep kvlist body; keeps the rest', async () => {
    let deep: Record<string, unknown> = { intValue: '1' };
    for (let i = 0; i < 30; i++) deep = { arrayValue: { values: [deep] } };
    const json = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'logs-app' } }] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: String(now),
                  body: { stringValue: 'fine' },
                  attributes: [{ key: 'duration', value: { intValue: '12' } }],
                },
                { body: { stringValue: 'no time at all' } },
                { timeUnixNano: String(now), body: deep },
                { timeUnixNano: String(now), attributes: [{ key: 'duration', value: { intValue: '-5' } }] },
              ],
            },
          ],
        },
      ],
    };
    const answer = await post('/v1/logs', JSON.stringify(json), { 'content-type': 'application/json' });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body.toString()) as {
      partialSuccess: { rejectedLogRecords: string; errorMessage: string };
    };
    expect(body.partialSuccess.rejectedLogRecords).toBe('3');
    expect(body.partialSuccess.errorMessage).toContain('log record 2: missing @timestamp');
    expect(body.partialSuccess.errorMessage).toContain('log record 3: a value is nested deeper than 16 levels');
    expect(body.partialSuccess.errorMessage).toContain('log record 4: duration is negative');
  });

  it('answers 413 to a gzip bomb and 415 to another content type or encoding', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(4 * 1024 * 1024);
    const answer = await post('/v1/traces', bomb, { 'content-encoding': 'gzip' });
    expect(answer.status).toBe(413);
    expect((await post('/v1/traces', '<xml/>', { 'content-type': 'application/xml' })).status).toBe(415);
    expect((await post('/v1/traces', 'text', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/logs', traceBody([]), { 'content-encoding': 'br' })).status).toBe(415);
  });

  it('takes gzip bodies, and replays an Idempotency-Key without storing twice', async () => {
    const body = gzipSync(traceBody([span(8)]));
    const headers = { 'content-encoding': 'gzip', 'idempotency-key': 'otlp-once' };
    const first = await post('/v1/traces', body, headers);
    expect(first.status).toBe(200);
    const again = await post('/v1/traces', body, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const trace = await fetch(`${base}/monitor/trace?correlation_id=${traceId(8).toString('hex')}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(((await trace.json()) as { data: { count: number } }).data.count).toBe(1);
    const other = await post('/v1/traces', gzipSync(traceBody([span(9)])), headers);
    expect(other.status).toBe(409);
  });

  it('needs the API token, and answers 503 with Retry-After when the ingest slots are taken', async () => {
    const anonymous = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: traceBody([span(10)]),
    });
    expect(anonymous.status).toBe(401);

    // One slot (INGEST_MAX_CONCURRENT=1): a body that is still arriving holds it.
    const { request } = await import('node:http');
    const url = new URL(`${base}/v1/traces`);
    const slow = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-protobuf', 'content-length': '100' },
    });
    slow.on('error', () => undefined);
    const slowAnswer = new Promise<number>((resolve) => slow.on('response', (r) => resolve(r.statusCode ?? 0)));
    slow.write(Buffer.alloc(10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const busy = await post('/v1/traces', traceBody([span(11)]));
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    // The stalled body gives its slot up (INGEST_BODY_IDLE_TIMEOUT_SECONDS=2): 408.
    expect(await slowAnswer).toBe(408);
    expect((await post('/v1/traces', traceBody([span(11)]))).status).toBe(200);
  });
});
