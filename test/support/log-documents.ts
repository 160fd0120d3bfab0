import type { NdjsonLine } from '../../src/logs/ndjson/ndjson-line.js';

/** The mapping of the `default` preset's fields, for indices the live tests and benches create. */
export const LOG_INDEX_MAPPINGS = {
  properties: {
    '@timestamp': { type: 'date' },
    app_name: { type: 'keyword' },
    message_key: { type: 'keyword' },
    duration: { type: 'float' },
    correlation_id: { type: 'keyword' },
    level: { type: 'keyword' },
    message: { type: 'text' },
  },
} as const;

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
