import type SQLite from 'better-sqlite3';
import { MAX_DURATION_MS } from '../fields.js';
import type { TimeRange, TraceSummary } from '../source.js';
import { LOG_COLUMNS, type LogRow, toLogRecord } from './sequence-reader.js';

type SlowestRow = LogRow & { max_ms: number; n: number };

/**
 * The slowest correlation ids of a range: one pass over the range's rows by the time index,
 * grouped by id. With a single max() aggregate SQLite takes the bare columns from the row that
 * holds the maximum, which is the slowest log itself. Durations outside the valid range
 * (rows stored before ingest validated them) count as none.
 */
export class SlowestTraces {
  private readonly all: SQLite.Statement;
  private readonly ofApp: SQLite.Statement;

  constructor(db: SQLite.Database) {
    const query = (appFilter: string) => `
      SELECT max(CASE WHEN duration_ms BETWEEN 0 AND ${MAX_DURATION_MS} THEN duration_ms END) AS max_ms,
        count(*) AS n, ${LOG_COLUMNS}
      FROM logs
      WHERE time >= ? AND time < ? AND correlation_id IS NOT NULL ${appFilter}
      GROUP BY correlation_id
      HAVING max_ms IS NOT NULL
      ORDER BY max_ms DESC, correlation_id
      LIMIT ?`;
    this.all = db.prepare(query(''));
    this.ofApp = db.prepare(query('AND app = ?'));
  }

  read(range: TimeRange, limit: number, app?: string): TraceSummary[] {
    const rows = (
      app === undefined ? this.all.all(range.from, range.to, limit) : this.ofApp.all(range.from, range.to, app, limit)
    ) as SlowestRow[];
    return rows.map((row) => ({
      correlationId: row.correlation_id!,
      logs: row.n,
      maxMs: row.max_ms,
      slowest: toLogRecord(row),
    }));
  }
}
