import type { IngestResult } from '../../ndjson/ndjson-line.js';
import { type OtlpSignal, otlpMessages } from './otlp-messages.js';

/** How many refused items error_message names with their reasons. */
const LISTED = 5;

/** An answer body in the request's encoding, with its content type. */
export interface OtlpAnswer {
  contentType: string;
  body: Buffer | string;
}

const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';

/**
 * ExportTraceServiceResponse / ExportLogsServiceResponse for an ingest: partial_success only when
 * some items were refused, with their count and the first reasons (OTLP/HTTP specification).
 */
export function exportResponse(signal: OtlpSignal, result: IngestResult, encoding: 'protobuf' | 'json'): OtlpAnswer {
  const item = signal === 'traces' ? 'span' : 'log record';
  const countField = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
  const message: Record<string, unknown> = {};
  if (result.rejected > 0) {
    const reasons = result.errors
      .slice(0, LISTED)
      .map((error) => `${item} ${error.line}: ${error.reason}`)
      .join('; ');
    message.partialSuccess = {
      [countField]: result.rejected,
      errorMessage: `${result.rejected} ${item}${result.rejected === 1 ? '' : 's'} refused${reasons ? `: ${reasons}` : ''}`,
    };
  }
  if (encoding === 'json') {
    // OTLP JSON writes int64 as decimal text.
    const partial = message.partialSuccess as Record<string, unknown> | undefined;
    if (partial) partial[countField] = String(partial[countField]);
    return { contentType: JSON_TYPE, body: JSON.stringify(message) };
  }
  const messages = otlpMessages();
  const type = signal === 'traces' ? messages.traceResponse : messages.logsResponse;
  return { contentType: PROTOBUF_TYPE, body: Buffer.from(type.encode(type.fromObject(message)).finish()) };
}

/** gRPC status codes the OTLP/HTTP error answers carry. */
export const RPC_INVALID_ARGUMENT = 3;

/** A google.rpc.Status error body in the request's encoding. */
export function statusAnswer(code: number, text: string, encoding: 'protobuf' | 'json'): OtlpAnswer {
  if (encoding === 'json') return { contentType: JSON_TYPE, body: JSON.stringify({ code, message: text }) };
  const { status } = otlpMessages();
  return {
    contentType: PROTOBUF_TYPE,
    body: Buffer.from(status.encode(status.fromObject({ code, message: text })).finish()),
  };
}
