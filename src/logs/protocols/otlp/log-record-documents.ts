import type { LogFieldNames } from '../../../config/config.js';
import { readPath } from '../../fields.js';
import type { NdjsonLine } from '../../ndjson/ndjson-line.js';
import { documentLine } from './otlp-documents.js';
import { anyValue, field, hexId, isZero, keyValues, nanos, nanosToMs, OtlpItemError, repeated } from './otlp-values.js';

/** Severity numbers 1–24 in groups of four (OpenTelemetry logs data model). */
const SEVERITIES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const MAX_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An ExportLogsServiceRequest (decoded protobuf or OTLP JSON) as log lines. A record's document
 * is its resource's attributes, overlaid by a kvlist body's entries, overlaid by its own
 * attributes (dotted names kept as they are, so `service.name` or `event.duration` are read by
 * the field mapping); a string body is the message. Its time is timeUnixNano, else
 * observedTimeUnixNano; the level, when no attribute gives it, its severity; the correlation
 * id, when none gives it, its trace id. Line numbers are the records' ordinals in the request.
 */
export function logRecordLines(request: unknown, fields: LogFieldNames): { records: number; lines: NdjsonLine[] } {
  const lines: NdjsonLine[] = [];
  let ordinal = 0;
  for (const resourceLogs of repeated(request, 'resourceLogs')) {
    let resource: Record<string, unknown> | undefined;
    let resourceProblem = 'its resource cannot be read';
    try {
      resource = keyValues(repeated(field(resourceLogs, 'resource'), 'attributes'));
    } catch (error) {
      if (!(error instanceof OtlpItemError)) throw error;
      resourceProblem = `its resource: ${error.message}`;
    }
    for (const scopeLogs of repeated(resourceLogs, 'scopeLogs')) {
      for (const record of repeated(scopeLogs, 'logRecords')) {
        ordinal++;
        const res = resource;
        if (res === undefined) lines.push({ lineNumber: ordinal, error: resourceProblem });
        else lines.push(documentLine(ordinal, () => recordDocument(record, res, fields), undefined));
      }
    }
  }
  return { records: ordinal, lines };
}

function recordDocument(
  record: unknown,
  resource: Record<string, unknown>,
  fields: LogFieldNames,
): Record<string, unknown> {
  const body = anyValue(field(record, 'body'));
  const attributes = keyValues(repeated(record, 'attributes'));
  const kvBody = typeof body === 'object' && body !== null && !Array.isArray(body);
  const doc: Record<string, unknown> = { ...resource, ...(kvBody ? body : {}), ...attributes };
  if (typeof body === 'string') doc[fields.message] = body;
  else if (body !== null && !kvBody) doc.body = body;

  let time = nanos(field(record, 'timeUnixNano'), 'timeUnixNano');
  if (isZero(time)) time = nanos(field(record, 'observedTimeUnixNano'), 'observedTimeUnixNano');
  if (!isZero(time)) {
    const ms = nanosToMs(time);
    if (ms > MAX_DATE_MS) throw new OtlpItemError('timeUnixNano is beyond 9999-12-31');
    doc[fields.timestamp] = new Date(ms).toISOString();
  }
  if (readPath(doc, fields.level) === undefined) {
    const text = field(record, 'severityText');
    const number = field(record, 'severityNumber');
    const severity = typeof text === 'string' && text !== '' ? text.toLowerCase() : severityOf(number);
    if (severity !== undefined) doc[fields.level] = severity;
  }
  if (readPath(doc, fields.correlationId) === undefined) {
    const traceId = hexId(field(record, 'traceId'), 'traceId', 16);
    if (traceId !== '') doc[fields.correlationId] = traceId;
  }
  return doc;
}

/** A severity number (1–24, or its OTLP JSON name SEVERITY_NUMBER_WARN2 …) as a level name. */
function severityOf(number: unknown): string | undefined {
  if (typeof number === 'string') {
    const name = /^SEVERITY_NUMBER_([A-Z]+)\d?$/.exec(number)?.[1]?.toLowerCase();
    return name !== undefined && SEVERITIES.includes(name) ? name : undefined;
  }
  return typeof number === 'number' && number >= 1 && number <= 24
    ? SEVERITIES[Math.floor((number - 1) / 4)]
    : undefined;
}
