/** One line of NDJSON input: its text, or why it could not be read (e.g. too long). */
export type NdjsonLine =
  | {
      lineNumber: number;
      text: string;
      /** The text already parsed, when the line was made from an object (ingestion protocols). */
      doc?: unknown;
    }
  | { lineNumber: number; error: string };

export interface IngestError {
  line: number;
  reason: string;
  /** The input the line came from, when there are several (logs:import). */
  file?: string;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** The first rejected lines (at most MAX_INGEST_ERRORS). */
  errors: IngestError[];
  /** True when an Idempotency-Key had been seen: nothing was stored, this is the first answer. */
  replayed?: boolean;
}

export const MAX_INGEST_ERRORS = 20;
