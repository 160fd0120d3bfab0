import type SQLite from 'better-sqlite3';
import type { LogFields } from '../log-record.js';

const COLUMNS = 'time, app, message_key, duration_ms, correlation_id, level, message, raw';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';
const VALUES_PER_ROW = 8;

/**
 * Rows per INSERT statement. One statement per row costs a call into SQLite, a statement
 * reset and the AUTOINCREMENT bookkeeping (a read and a write of sqlite_sequence) for every
 * log; many rows per statement pay that once (measured: about a third more logs per
 * CPU-second on the store's table and indexes). Values are passed as arguments, not as one
 * array: better-sqlite3 binds an array's elements markedly slower.
 */
export const ROWS_PER_INSERT = 64;

/**
 * Inserts logs in ingest order, many rows per statement: rows wait in memory until a full
 * statement's worth has come or `flush` is called (before the transaction commits). The
 * sequence numbers stay in ingest order and gap-free.
 */
export class LogInserter {
  private readonly insertOne: SQLite.Statement;
  private readonly insertMany: SQLite.Statement;
  private readonly pending: unknown[] = [];

  constructor(db: SQLite.Database) {
    this.insertOne = db.prepare(`INSERT INTO logs (${COLUMNS}) VALUES ${ROW}`);
    this.insertMany = db.prepare(
      `INSERT INTO logs (${COLUMNS}) VALUES ${Array.from({ length: ROWS_PER_INSERT }, () => ROW).join(', ')}`,
    );
  }

  add(log: LogFields, raw: string): void {
    const pending = this.pending;
    pending.push(log.time, log.app, log.messageKey, log.durationMs, log.correlationId, log.level, log.message, raw);
    if (pending.length === ROWS_PER_INSERT * VALUES_PER_ROW) {
      this.insertMany.run(...pending);
      pending.length = 0;
    }
  }

  /** Inserts the rows still waiting (call inside the ingest transaction). */
  flush(): void {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i += VALUES_PER_ROW) {
      this.insertOne.run(...pending.slice(i, i + VALUES_PER_ROW));
    }
    pending.length = 0;
  }

  discard(): void {
    this.pending.length = 0;
  }
}
