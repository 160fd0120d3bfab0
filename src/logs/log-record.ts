/** One log document as lagwatch reads it, whatever the source and field names. */
export interface LogRecord {
  /** Unique and stable within its source: the embedded sequence, or `index/_id` in Elasticsearch. */
  sourceId: string;
  /** Epoch milliseconds, UTC. */
  time: number;
  app: string | null;
  messageKey: string | null;
  /** Milliseconds; null for a log without a numeric duration. */
  durationMs: number | null;
  correlationId: string | null;
  level: string | null;
  message: string | null;
}

export type LogFields = Omit<LogRecord, 'sourceId'>;
