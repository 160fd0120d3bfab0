import { Readable } from 'node:stream';
import type { LogFieldNames, OtlpSpanKind } from '../../../config/config.js';
import { IngestBodyError, type LineIngester } from '../../ndjson/ingest-body.js';
import { decodedChunks, isGzip } from '../../ndjson/input-stream.js';
import type { LedgerOptions } from '../../ndjson/ledger-options.js';
import type { IngestResult, NdjsonLine } from '../../ndjson/ndjson-line.js';
import { logRecordLines } from './log-record-documents.js';
import { type OtlpSignal, otlpMessages } from './otlp-messages.js';
import { otlpReader } from './otlp-reader.js';
import { OtlpItemError } from './otlp-values.js';
import { spanLines } from './span-documents.js';

/** An OTLP/HTTP body: which signal, in which encoding. */
export interface OtlpFormat {
  signal: OtlpSignal;
  encoding: 'protobuf' | 'json';
}

export interface OtlpBodyOptions {
  format: OtlpFormat;
  /** true: the body must be gzip (Content-Encoding: gzip). */
  gzip: boolean;
  /** Limit on the body after decompression (INGEST_MAX_BYTES). */
  maxBytes: number;
  /** Limit on the items (spans or log records) of one body (INGEST_MAX_LINES). */
  maxItems: number;
  fields: LogFieldNames;
  spanKinds: readonly OtlpSpanKind[];
  idempotency?: LedgerOptions['idempotency'];
}

/** Lines handed to the store at a time. */
const BATCH = 1_000;

/**
 * An OTLP export request (ExportTraceServiceRequest or ExportLogsServiceRequest) decoded and
 * stored in one transaction, each span or log record as a log document validated like a POST
 * /ingest line (a refused one is counted with its reason, never failing the others). A body that
 * is not gzip when it says so, inflates past maxBytes, or does not decode is an IngestBodyError.
 */
export async function ingestOtlpBody(
  store: LineIngester,
  chunks: Buffer[],
  options: OtlpBodyOptions,
): Promise<IngestResult> {
  return store.ingestLineStream(lineBatches(chunks, options), { idempotency: options.idempotency });
}

async function* lineBatches(chunks: Buffer[], options: OtlpBodyOptions): AsyncGenerator<NdjsonLine[]> {
  const body = await wholeBody(chunks, options);
  const { lines, items } = decode(body, options);
  if (items > options.maxItems) {
    const what = options.format.signal === 'traces' ? 'spans' : 'log records';
    throw new IngestBodyError(
      'payload_too_large',
      `the body has more than ${options.maxItems} ${what} (INGEST_MAX_LINES)`,
    );
  }
  for (let at = 0; at < lines.length; at += BATCH) yield lines.slice(at, at + BATCH);
}

/** The decompressed body, joined (a protobuf message is decoded whole). */
async function wholeBody(chunks: Buffer[], options: OtlpBodyOptions): Promise<Buffer> {
  if (options.gzip && !isGzip(chunks[0]?.subarray(0, 2) ?? Buffer.alloc(0))) {
    throw new IngestBodyError('invalid_body', 'the body is not gzip data');
  }
  if (!options.gzip) return Buffer.concat(chunks.splice(0));
  const parts: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of decodedChunks(Readable.from(chunks.splice(0), { objectMode: false }))) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        throw new IngestBodyError(
          'payload_too_large',
          `the body is larger than ${options.maxBytes} bytes decompressed (INGEST_MAX_BYTES)`,
        );
      }
      parts.push(chunk);
    }
  } catch (error) {
    if (error instanceof IngestBodyError) throw error;
    throw new IngestBodyError('invalid_body', `invalid gzip data: ${(error as Error).message}`);
  }
  return Buffer.concat(parts);
}

function decode(body: Buffer, options: OtlpBodyOptions): { lines: NdjsonLine[]; items: number } {
  const { signal, encoding } = options.format;
  const messages = otlpMessages();
  let request: unknown;
  try {
    if (encoding === 'json') request = JSON.parse(body.toString('utf8'));
    else request = (signal === 'traces' ? messages.traceRequest : messages.logsRequest).decode(otlpReader(body));
  } catch (error) {
    const what = encoding === 'json' ? 'OTLP JSON' : 'an OTLP protobuf message';
    throw new IngestBodyError('invalid_body', `the body is not ${what}: ${(error as Error).message.slice(0, 200)}`);
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new IngestBodyError('invalid_body', 'the body is not an OTLP JSON object');
  }
  try {
    if (signal === 'traces') {
      const { spans, lines } = spanLines(request, options.fields, options.spanKinds);
      return { lines, items: spans };
    }
    const { records, lines } = logRecordLines(request, options.fields);
    return { lines, items: records };
  } catch (error) {
    // A list that is not a list, outside any one item: the request's shape is wrong.
    if (error instanceof OtlpItemError)
      throw new IngestBodyError('invalid_body', `the request is malformed: ${error.message}`);
    throw error;
  }
}
