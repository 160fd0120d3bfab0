import {
  type BodyLimits,
  bodyLines,
  DEFAULT_INGEST_MAX_BYTES,
  DEFAULT_INGEST_MAX_LINES,
  headOf,
  type IngestBodyOptions,
  type LineIngester,
  notGzip,
} from '../../ndjson/ingest-body.js';
import { isGzip } from '../../ndjson/input-stream.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../../ndjson/line-splitter.js';
import type { IngestResult } from '../../ndjson/ndjson-line.js';
import { type BulkItem, bulkDocuments } from './bulk-items.js';

export interface BulkBodyOptions extends IngestBodyOptions {
  /** The index named in the URL. */
  defaultIndex?: string;
}

/** A bulk body's ingest: the store's counts (documents only) and every action's outcome, in order. */
export interface BulkOutcome {
  result: IngestResult;
  items: BulkItem[];
}

/**
 * POST /elasticsearch/_bulk in the ingest thread: the body is decompressed and split within
 * /ingest's limits, its documents stored in one transaction like NDJSON lines (same validation),
 * and each document's rejection, by its line number, becomes its item's error. Under a replayed
 * Idempotency-Key nothing is stored: the actions are read again to answer as the first time (the
 * recorded result lists every rejection, and generated ids derive from the key).
 */
export async function ingestBulkBody(
  store: LineIngester,
  body: Buffer[],
  options: BulkBodyOptions = {},
): Promise<BulkOutcome> {
  const limits: BodyLimits = {
    maxBytes: options.maxBytes ?? store.ingestMaxBytes ?? DEFAULT_INGEST_MAX_BYTES,
    maxLines: options.maxLines ?? store.ingestMaxLines ?? DEFAULT_INGEST_MAX_LINES,
    maxLineLength: options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
  };
  if (options.gzip === true && !isGzip(headOf(body))) throw notGzip();
  const items: BulkItem[] = [];
  const itemOptions = { defaultIndex: options.defaultIndex, idempotencyKey: options.idempotency?.key };
  const documents = bulkDocuments(bodyLines(body, limits), items, itemOptions);
  // On a replay, the store does not read the documents; the chunks are still there to read.
  const kept = options.idempotency ? [...body] : undefined;
  const result = await store.ingestLineStream(documents, {
    idempotency: options.idempotency,
    maxErrors: Number.POSITIVE_INFINITY,
  });
  if (result.replayed && kept) {
    for await (const _ of bulkDocuments(bodyLines(kept, limits), items, itemOptions)) {
      // Reading the actions is the point.
    }
  }
  const reasons = new Map(result.errors.map((error) => [error.line, error.reason]));
  for (const item of items) {
    const reason = item.documentLine === undefined ? undefined : reasons.get(item.documentLine);
    if (reason !== undefined) item.error = { type: 'document_parsing_exception', reason };
  }
  const refused = items.filter((item) => item.error !== undefined).length;
  const storeCounts = { accepted: result.accepted, rejected: refused, errors: [], replayed: result.replayed };
  return { result: storeCounts, items };
}
