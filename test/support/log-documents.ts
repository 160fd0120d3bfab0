import type { NdjsonLine } from '../../src/logs/ndjson/ndjson-line.js';

/** A log as the tests write it; becomes a document of the `default` field preset. */
export interface TestLog {
  /** Epoch ms. */
  time: number;
  app?: string;
  key?: string;
  /** Milliseconds. */
  duration?: number;
  correlation?: string;
  level?: string;
  message?: string;
}

/** The log document (default preset): fields left undefined are absent. */
export function logDocument(log: TestLog): Record<string, unknown> {
  const doc: Record<string, unknown> = { '@timestamp': new Date(log.time).toISOString() };
  if (log.app !== undefined) doc.app_name = log.app;
  if (log.key !== undefined) doc.message_key = log.key;
  if (log.duration !== undefined) doc.duration = log.duration;
  if (log.correlation !== undefined) doc.correlation_id = log.correlation;
  if (log.level !== undefined) doc.level = log.level;
  if (log.message !== undefined) doc.message = log.message;
  return doc;
}

/** NDJSON lines numbered from 1 for documents. */
export function linesOf(docs: unknown[]): NdjsonLine[] {
  return docs.map((doc, i) => ({ lineNumber: i + 1, text: JSON.stringify(doc) }));
}
