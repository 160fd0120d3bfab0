import type { LogFieldNames, OtlpSpanKind } from '../../../config/config.js';
import type { NdjsonLine } from '../../ndjson/ndjson-line.js';
import { documentLine, durationInUnit, namedAttribute } from './otlp-documents.js';
import {
  enumNumber,
  field,
  hexId,
  isZero,
  keyValues,
  nanos,
  nanosBetween,
  nanosToMs,
  OtlpItemError,
  repeated,
} from './otlp-values.js';

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const SPAN_KIND_NAMES = SPAN_KINDS.map((kind) => `SPAN_KIND_${kind.toUpperCase()}`);
const STATUS_CODE_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const STATUS_ERROR = 2;

/** The spans of a request, counted, and the log lines of those OTLP_SPAN_KINDS keeps. */
export interface SpanLines {
  /** Every span in the request, kept or not. */
  spans: number;
  lines: NdjsonLine[];
}

/**
 * An ExportTraceServiceRequest (decoded protobuf or OTLP JSON) as log lines: time = start,
 * app = resource service.name, message key and message = span name, duration = end − start,
 * correlation id = trace id (hex), level error when the status is ERROR else info. A resource
 * or span attribute named like the app, message key, level or message field (FIELD_*) wins over
 * the span's own value. Each line's number is the span's ordinal in the request; a span that
 * cannot be read (ends before it starts, a bad id …) is a line with its reason.
 */
export function spanLines(request: unknown, fields: LogFieldNames, kinds: readonly OtlpSpanKind[]): SpanLines {
  const keep = spanFilter(kinds);
  const lines: NdjsonLine[] = [];
  let ordinal = 0;
  for (const resourceSpans of repeated(request, 'resourceSpans')) {
    const scopes = repeated(resourceSpans, 'scopeSpans');
    let resource: Record<string, unknown> | undefined;
    let shared: { value: Record<string, unknown>; json: string } | undefined;
    let resourceProblem: string | undefined;
    try {
      resource = keyValues(repeated(field(resourceSpans, 'resource'), 'attributes'));
      shared = { value: resource, json: JSON.stringify(resource) };
    } catch (error) {
      if (!(error instanceof OtlpItemError)) throw error;
      resourceProblem = `its resource: ${error.message}`;
    }
    for (const scopeSpans of scopes) {
      for (const span of repeated(scopeSpans, 'spans')) {
        ordinal++;
        if (resource === undefined) {
          lines.push({ lineNumber: ordinal, error: resourceProblem ?? 'its resource cannot be read' });
          continue;
        }
        const res = resource;
        let kind: number;
        let parent: string;
        try {
          kind = enumNumber(field(span, 'kind'), SPAN_KIND_NAMES, 'kind');
          parent = hexId(field(span, 'parentSpanId'), 'parentSpanId', 8);
        } catch (error) {
          if (!(error instanceof OtlpItemError)) throw error;
          lines.push({ lineNumber: ordinal, error: error.message });
          continue;
        }
        if (!keep(kind, parent === '')) continue;
        lines.push(documentLine(ordinal, () => spanDocument(span, kind, parent, res, fields), shared));
      }
    }
  }
  return { spans: ordinal, lines };
}

function spanFilter(kinds: readonly OtlpSpanKind[]): (kind: number, root: boolean) => boolean {
  if (kinds.includes('all')) return () => true;
  const root = kinds.includes('root');
  // An unspecified kind counts as internal (the OpenTelemetry specification's reading).
  const wanted = new Set(kinds.map((kind) => SPAN_KINDS.indexOf(kind as (typeof SPAN_KINDS)[number])));
  if (wanted.has(1)) wanted.add(0);
  return (kind, isRoot) => wanted.has(kind) || (root && isRoot);
}

function spanDocument(
  span: unknown,
  kind: number,
  parent: string,
  resource: Record<string, unknown>,
  fields: LogFieldNames,
): Record<string, unknown> {
  const name = field(span, 'name');
  const spanName = typeof name === 'string' && name !== '' ? name : undefined;
  const start = nanos(field(span, 'startTimeUnixNano'), 'startTimeUnixNano');
  const end = nanos(field(span, 'endTimeUnixNano'), 'endTimeUnixNano');
  if (isZero(start)) throw new OtlpItemError('startTimeUnixNano is missing');
  const durationNs = nanosBetween(start, end);
  if (durationNs < 0) throw new OtlpItemError('the span ends before it starts');
  const status = field(span, 'status');
  const statusCode = enumNumber(field(status, 'code'), STATUS_CODE_NAMES, 'status.code');
  const statusMessage = field(status, 'message');
  const attributes = keyValues(repeated(span, 'attributes'));
  const traceId = hexId(field(span, 'traceId'), 'traceId', 16);
  const spanId = hexId(field(span, 'spanId'), 'spanId', 8);
  const startMs = nanosToMs(start);
  if (startMs > MAX_DATE_MS) throw new OtlpItemError('startTimeUnixNano is beyond 9999-12-31');

  const doc: Record<string, unknown> = {};
  doc[fields.timestamp] = new Date(startMs).toISOString();
  doc[fields.app] = namedAttribute(fields.app, attributes, resource) ?? resource['service.name'];
  doc[fields.messageKey] = namedAttribute(fields.messageKey, attributes, resource) ?? spanName;
  doc[fields.duration] = durationInUnit(durationNs, fields);
  if (traceId !== '') doc[fields.correlationId] = traceId;
  doc[fields.level] =
    namedAttribute(fields.level, attributes, resource) ?? (statusCode === STATUS_ERROR ? 'error' : 'info');
  doc[fields.message] = namedAttribute(fields.message, attributes, resource) ?? spanName;
  if (spanId !== '') doc.span_id = spanId;
  if (parent !== '') doc.parent_span_id = parent;
  doc.span_kind = SPAN_KINDS[kind] ?? String(kind);
  if (statusCode !== 0)
    doc.status = STATUS_CODE_NAMES[statusCode]?.slice('STATUS_CODE_'.length).toLowerCase() ?? statusCode;
  if (typeof statusMessage === 'string' && statusMessage !== '') doc.status_message = statusMessage;
  doc.attributes = attributes;
  return doc;
}

const MAX_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
