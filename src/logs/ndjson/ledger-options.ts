/** An ingest that must store its logs once: POST /ingest with an Idempotency-Key. */
export interface IdempotentIngest {
  key: string;
  /** Hex SHA-256 of the request body: the same key with another body is a client error. */
  bodySha256: string;
}

/** Where logs:import stopped in one file: the lines committed, and what the file began with. */
export interface ImportMark {
  path: string;
  headBytes: number;
  headSha256: string;
  lines: number;
}

/** What an ingest call records in the same transaction as its logs. */
export interface LedgerOptions {
  /** A key seen in the last 24 hours stores nothing and answers the first result. */
  idempotency?: IdempotentIngest;
  /** logs:import: where this chunk ends in its file. */
  importMark?: ImportMark;
  /** The clock (epoch ms); tests pin it. */
  now?: number;
  /** How many rejected lines are listed with their reasons (default MAX_INGEST_ERRORS). */
  maxErrors?: number;
}
