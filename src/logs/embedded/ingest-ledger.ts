import type SQLite from 'better-sqlite3';
import type { IdempotentIngest, ImportMark } from '../ndjson/ledger-options.js';
import type { IngestResult } from '../ndjson/ndjson-line.js';

/** How long an Idempotency-Key is remembered (DESIGN: 24 hours). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

export type KeyLookup = { seen: false } | { seen: true; sameBody: boolean; result: IngestResult };

/**
 * The ingest ledger's SQL (tables ingest_keys and import_progress, schema.ts): the records
 * that make every log stored once. Its writes run inside the store's ingest transaction, so a
 * chunk of logs and its record commit together or not at all.
 */
export class IngestLedger {
  private readonly findKey: SQLite.Statement;
  private readonly insertKey: SQLite.Statement;
  private readonly pruneKeys: SQLite.Statement;
  private readonly findMark: SQLite.Statement;
  private readonly upsertMark: SQLite.Statement;

  constructor(db: SQLite.Database) {
    this.findKey = db.prepare('SELECT body_sha256, result FROM ingest_keys WHERE key = ? AND created_at >= ?');
    this.insertKey = db.prepare(
      'INSERT OR REPLACE INTO ingest_keys (key, body_sha256, result, created_at) VALUES (?, ?, ?, ?)',
    );
    this.pruneKeys = db.prepare('DELETE FROM ingest_keys WHERE created_at < ?');
    this.findMark = db.prepare('SELECT path, head_bytes, head_sha256, lines FROM import_progress WHERE path = ?');
    this.upsertMark = db.prepare(`
      INSERT INTO import_progress (path, head_bytes, head_sha256, lines, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (path) DO UPDATE SET head_bytes = excluded.head_bytes, head_sha256 = excluded.head_sha256,
        lines = excluded.lines, updated_at = excluded.updated_at`);
  }

  /** The answer recorded for a key in the last 24 hours (call inside the ingest transaction). */
  lookupKey(request: IdempotentIngest, now: number): KeyLookup {
    const row = this.findKey.get(request.key, now - IDEMPOTENCY_WINDOW_MS) as
      | { body_sha256: string; result: string }
      | undefined;
    if (!row) return { seen: false };
    return { seen: true, sameBody: row.body_sha256 === request.bodySha256, result: JSON.parse(row.result) };
  }

  /** Records a key's answer and forgets keys older than the window. */
  recordKey(request: IdempotentIngest, result: IngestResult, now: number): void {
    this.pruneKeys.run(now - IDEMPOTENCY_WINDOW_MS);
    this.insertKey.run(request.key, request.bodySha256, JSON.stringify(result), now);
  }

  importMark(path: string): ImportMark | undefined {
    const row = this.findMark.get(path) as
      | { path: string; head_bytes: number; head_sha256: string; lines: number }
      | undefined;
    return row
      ? { path: row.path, headBytes: row.head_bytes, headSha256: row.head_sha256, lines: row.lines }
      : undefined;
  }

  recordImportMark(mark: ImportMark, now: number): void {
    this.upsertMark.run(mark.path, mark.headBytes, mark.headSha256, mark.lines, now);
  }
}
