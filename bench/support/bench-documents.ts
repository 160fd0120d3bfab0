import { otlpMessages } from '../../src/logs/protocols/otlp/otlp-messages.js';

/**
 * The benches' generated log document `i` (NDJSON text): 20 apps, 50 keys, durations 0–3 s,
 * stamped within the 10 minutes before `now`. Shared so that the ingest benches send the same
 * documents and their figures compare.
 */
export function benchDocument(i: number, now: number): string {
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

/**
 * An OTLP protobuf ExportTraceServiceRequest of `spans` server spans (body number `seed`): 8
 * services, 40 routes, 3 attributes a span, starting 5 minutes before `now`.
 */
export function benchOtlpTraceBody(seed: number, spans: number, now: number): Buffer {
  const { traceRequest } = otlpMessages();
  const start = BigInt(now - 300_000) * 1_000_000n;
  const byService = new Map<number, object[]>();
  for (let i = 0; i < spans; i++) {
    const n = seed * spans + i;
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
