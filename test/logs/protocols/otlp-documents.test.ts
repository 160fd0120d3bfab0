import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { extractLog } from '../../../src/logs/fields.js';
import type { NdjsonLine } from '../../../src/logs/ndjson/ndjson-line.js';
import { logRecordLines } from '../../../src/logs/protocols/otlp/log-record-documents.js';
import { spanLines } from '../../../src/logs/protocols/otlp/span-documents.js';

const START = 1_764_979_200_000_000_000n; // 2025-12-06T00:00:00Z in ns
const spanOf = (name: string, kind: number | string, parent = '', extra: Record<string, unknown> = {}) => ({
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  parentSpanId: parent,
  name,
  kind,
  startTimeUnixNano: String(START),
  endTimeUnixNano: String(START + 1_250_000n),
  ...extra,
});
const request = (spans: object[], resource: object[] = [{ key: 'service.name', value: { stringValue: 'svc' } }]) => ({
  resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans }] }],
});
const docs = (lines: NdjsonLine[]) => lines.map((line) => ('text' in line ? JSON.parse(line.text) : line));

describe('span documents', () => {
  const fields = loadConfig({}, undefined).fields;
  const spans = [
    spanOf('root-internal', 1),
    spanOf('server', 'SPAN_KIND_SERVER', 'aaaaaaaaaaaaaaaa'),
    spanOf('client', 3, 'aaaaaaaaaaaaaaaa'),
    spanOf('producer', 4, 'aaaaaaaaaaaaaaaa'),
    spanOf('consumer', 5, 'aaaaaaaaaaaaaaaa'),
    spanOf('unspecified', 0, 'aaaaaaaaaaaaaaaa'),
  ];
  const kept = (kinds: Parameters<typeof spanLines>[2]) =>
    docs(spanLines(request(spans), fields, kinds).lines).map((doc) => doc.message_key);

  it('keeps the span kinds OTLP_SPAN_KINDS names; unspecified counts as internal, root as no parent', () => {
    expect(kept(['server', 'consumer', 'root'])).toEqual(['root-internal', 'server', 'consumer']);
    expect(kept(['client'])).toEqual(['client']);
    expect(kept(['internal'])).toEqual(['root-internal', 'unspecified']);
    expect(kept(['all'])).toHaveLength(6);
    expect(spanLines(request(spans), fields, ['producer']).spans).toBe(6);
  });

  it('maps a span with the default fields, exactly to the nanosecond, numbered by its ordinal', () => {
    const { lines } = spanLines(request([spanOf('GET /a', 2, '', { status: { code: 2, message: 'x' } })]), fields, [
      'all',
    ]);
    expect(docs(lines)[0]).toMatchObject({
      '@timestamp': '2025-12-06T00:00:00.000Z',
      app_name: 'svc',
      message_key: 'GET /a',
      message: 'GET /a',
      duration: 1.25,
      correlation_id: '5b8efff798038103d269b633813fc60c',
      level: 'error',
      span_kind: 'server',
      status: 'error',
      resource: { 'service.name': 'svc' },
    });
    const backwards = spanOf('late', 2, '', { endTimeUnixNano: String(START - 1n) });
    expect(spanLines(request([spanOf('ok', 2), backwards]), fields, ['all']).lines[1]).toEqual({
      lineNumber: 2,
      error: 'the span ends before it starts',
    });
  });

  it('honours attributes named by the field mapping, and the ecs preset (service.name, event.duration in ns)', () => {
    const withKey = spanOf('GET /orders/123', 2, '', {
      attributes: [{ key: 'message_key', value: { stringValue: 'GET /orders/:id' } }],
    });
    expect(docs(spanLines(request([withKey]), fields, ['all']).lines)[0].message_key).toBe('GET /orders/:id');

    const ecs = loadConfig({ LOG_FIELDS: 'ecs' }, undefined).fields;
    const [line] = spanLines(request([spanOf('checkout', 2)]), ecs, ['all']).lines;
    const extracted = extractLog(JSON.parse((line as { text: string }).text), ecs);
    expect(extracted).toMatchObject({
      ok: true,
      log: { app: 'svc', messageKey: 'checkout', durationMs: 1.25, correlationId: '5b8efff798038103d269b633813fc60c' },
    });
  });
});

describe('log record documents', () => {
  it('reads resource attributes, a kvlist body and attributes through the ecs mapping', () => {
    const ecs = loadConfig({ LOG_FIELDS: 'ecs' }, undefined).fields;
    const { lines } = logRecordLines(
      {
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'billing' } }] },
            scopeLogs: [
              {
                logRecords: [
                  {
                    observedTimeUnixNano: String(START),
                    severityNumber: 'SEVERITY_NUMBER_WARN2',
                    traceId: '5b8efff798038103d269b633813fc60c',
                    body: {
                      kvlistValue: {
                        values: [
                          { key: 'event.action', value: { stringValue: 'invoice.render' } },
                          { key: 'message', value: { stringValue: 'rendered' } },
                        ],
                      },
                    },
                    attributes: [{ key: 'event.duration', value: { intValue: '2500000000' } }],
                  },
                ],
              },
            ],
          },
        ],
      },
      ecs,
    );
    const extracted = extractLog(JSON.parse((lines[0] as { text: string }).text), ecs);
    expect(extracted).toEqual({
      ok: true,
      log: {
        time: Date.UTC(2025, 11, 6),
        app: 'billing',
        messageKey: 'invoice.render',
        durationMs: 2500,
        correlationId: '5b8efff798038103d269b633813fc60c',
        level: 'warn',
        message: 'rendered',
      },
    });
  });
});
