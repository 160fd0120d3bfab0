import { gunzipSync } from 'node:zlib';
import { isGzip } from './input-stream.js';
import type { ImportMark, LedgerOptions } from './ledger-options.js';
import { DEFAULT_MAX_LINE_LENGTH, LineSplitter } from './line-splitter.js';
import type { IngestResult, NdjsonLine } from './ndjson-line.js';

export const DEFAULT_INGEST_MAX_BYTES = 32 * 1024 * 1024;

/** What ingestBody needs from a store (EmbeddedLogStore has it). */
export interface LineIngester {
  ingestLines(lines: Iterable<NdjsonLine>, options?: LedgerOptions): IngestResult;
  /** Where an earlier import of this path stopped (stores that record import progress). */
  importMark?(path: string): ImportMark | undefined;
  /** INGEST_MAX_BYTES, used when the options name no limit. */
  readonly ingestMaxBytes?: number;
}

export interface IngestBodyOptions {
  /** true: the body must be gzip (Content-Encoding: gzip); otherwise gzip is detected by magic bytes. */
  gzip?: boolean;
  /** Limit on the NDJSON after decompression (the HTTP layer limits the bytes on the wire). */
  maxBytes?: number;
  maxLineLength?: number;
  /** Idempotency-Key and body digest, recorded with the logs. */
  idempotency?: LedgerOptions['idempotency'];
}

/** A body that cannot be ingested at all: too large, or not decodable. */
export class IngestBodyError extends Error {
  constructor(
    readonly code: 'payload_too_large' | 'invalid_body',
    message: string,
  ) {
    super(message);
    this.name = 'IngestBodyError';
  }
}

/**
 * POST /ingest: reads an NDJSON body (plain or gzip) and stores it in one transaction.
 * Answers accepted and rejected counts and the first rejected lines with their reasons.
 */
export async function ingestBody(
  store: LineIngester,
  body: Buffer,
  options: IngestBodyOptions = {},
): Promise<IngestResult> {
  const maxBytes = options.maxBytes ?? store.ingestMaxBytes ?? DEFAULT_INGEST_MAX_BYTES;
  const text = decodeBuffer(body, options.gzip === true, maxBytes);
  const splitter = new LineSplitter(options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  const lines = splitter.end(splitter.push(text));
  return store.ingestLines(lines, { idempotency: options.idempotency });
}

const tooLarge = (maxBytes: number) =>
  new IngestBodyError('payload_too_large', `the NDJSON body is larger than ${maxBytes} bytes`);
const notGzip = () => new IngestBodyError('invalid_body', 'the body is not gzip data');

function decodeBuffer(body: Buffer, mustBeGzip: boolean, maxBytes: number): string {
  if (!isGzip(body)) {
    if (mustBeGzip) throw notGzip();
    if (body.length > maxBytes) throw tooLarge(maxBytes);
    return body.toString('utf8');
  }
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new IngestBodyError('invalid_body', `invalid gzip data: ${(error as Error).message}`);
  }
}
