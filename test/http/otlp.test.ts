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
    world = await openScanWorld(
      drivers.find((d) => d.driver === driver)!,
      { env: { SCAN_INTERVAL_SECONDS: '0', INGEST_MAX_BYTES: String(1024 * 1024) } },
    );
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
      expect(
        await exported(new OTLPProtoTraceExporter({ url: `${base}/v1/traces` }), proto.spans),
      ).toMatchObject({ code: 0 });
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

  it.skipIf(skipReason)('log records from the SDK protobuf logs exporter are read through the field mapping', async () => {
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
      attributes: { app_name: 'billing-worker', message_key: 'invoice.render', duration: 1234, correlation_id: correlation },
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
  });
});
