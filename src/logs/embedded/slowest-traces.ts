import type SQLite from 'better-sqlite3';
import { MAX_DURATION_MS } from '../fields.js';
import type { TimeRange, TraceSummary } from '../source.js';
import { HOUR_MS, MINUTE_MS, SCOPE_ALL, SCOPE_APP } from './schema.js';
import { LOG_COLUMNS, type LogRow, toLogRecord } from './sequence-reader.js';

type Candidate = { max: number; row: LogRow };

/**
 * The slowest correlation ids of a range without reading the whole range: the minutes that
 * have logs (those of the hours the all-apps hour rollups list, as a trace looks them up) are
 * read slowest first by their minute rollup's worst duration, and reading stops once the
 * `limit`-th slowest id found is slower than anything left unread. Long-tailed durations (the
 * usual case) end after a few minutes; evenly slow ones read every minute. A minute without a
 * rollup row (rows stored without one) counts as unknown and is read first. Each id's logs in
 * the range are then counted through the correlation index, minute by minute.
 */
export class SlowestTraces {
  private readonly hours: SQLite.Statement;
  private readonly minuteMaxAll: SQLite.Statement;
  private readonly minuteMaxApp: SQLite.Statement;
  private readonly rowsAll: SQLite.Statement;
  private readonly rowsApp: SQLite.Statement;
  private readonly countAll: SQLite.Statement;
  private readonly countApp: SQLite.Statement;

  constructor(db: SQLite.Database) {
    this.hours = db.prepare(
      `SELECT start FROM rollup_series WHERE span = ${HOUR_MS} AND scope = ${SCOPE_ALL} AND app = '' AND start >= ? AND start < ?`,
    );
    const minuteMax = `SELECT start, duration_max AS max FROM rollup_series
      WHERE span = ${MINUTE_MS} AND start >= ? AND start < ?`;
    this.minuteMaxAll = db.prepare(`${minuteMax} AND scope = ${SCOPE_ALL} AND app = ''`);
    this.minuteMaxApp = db.prepare(`${minuteMax} AND scope = ${SCOPE_APP} AND app = ?`);
    // Only durations a reader accepts (rows stored before ingest validated them may hold others).
    const rows = (appFilter: string) => `SELECT ${LOG_COLUMNS} FROM logs
      WHERE time >= ? AND time < ? AND correlation_id IS NOT NULL ${appFilter}
        AND duration_ms >= ? AND duration_ms <= ${MAX_DURATION_MS}`;
    this.rowsAll = db.prepare(rows(''));
    this.rowsApp = db.prepare(rows('AND app = ?'));
    const count = (appFilter: string) => `SELECT count(*) AS n FROM logs
      WHERE time / ${MINUTE_MS} IN (SELECT value FROM json_each(?))
        AND correlation_id = ? AND time >= ? AND time < ? ${appFilter}`;
    this.countAll = db.prepare(count(''));
    this.countApp = db.prepare(count('AND app = ?'));
  }

  read(range: TimeRange, limit: number, app?: string): TraceSummary[] {
    if (range.to <= range.from || limit <= 0) return [];
    const minutes = this.minutesWithLogs(range);
    const known = new Map<number, number | null>();
    const maxRows =
      app === undefined
        ? this.minuteMaxAll.all(range.from, range.to)
        : this.minuteMaxApp.all(range.from, range.to, app);
    for (const r of maxRows as { start: number; max: number | null }[]) known.set(r.start, r.max);
    // Minutes whose rollup says "no duration" hold no candidate; unknown ones are read first.
    const order = minutes
      .map((start) => ({ start, max: known.has(start) ? known.get(start)! : Number.POSITIVE_INFINITY }))
      .filter((m): m is { start: number; max: number } => m.max !== null)
      .sort((a, b) => b.max - a.max);

    const best = new Map<string, Candidate>();
    let bound = 0;
    for (const minute of order) {
      if (best.size >= limit && bound > minute.max) break;
      const from = Math.max(range.from, minute.start);
      const to = Math.min(range.to, minute.start + MINUTE_MS);
      const found = (
        app === undefined ? this.rowsAll.all(from, to, bound) : this.rowsApp.all(from, to, app, bound)
      ) as LogRow[];
      for (const row of found) {
        const id = row.correlation_id!;
        const seen = best.get(id);
        if (!seen || row.duration_ms! > seen.max || (row.duration_ms === seen.max && row.seq < seen.row.seq)) {
          best.set(id, { max: row.duration_ms!, row });
        }
      }
      if (best.size >= limit) {
        // Keep the `limit` slowest and any tied with the last of them; the bound only rises.
        bound = [...best.values()].map((c) => c.max).sort((a, b) => b - a)[limit - 1]!;
        for (const [id, c] of best) if (c.max < bound) best.delete(id);
      }
    }

    const slowest = [...best]
      .sort(([idA, a], [idB, b]) => b.max - a.max || (idA < idB ? -1 : idA > idB ? 1 : 0))
      .slice(0, limit);
    const minuteList = JSON.stringify(minutes.map((start) => start / MINUTE_MS));
    return slowest.map(([id, c]) => {
      const counted = (
        app === undefined
          ? this.countAll.get(minuteList, id, range.from, range.to)
          : this.countApp.get(minuteList, id, range.from, range.to, app)
      ) as { n: number };
      return { correlationId: id, logs: counted.n, maxMs: c.max, slowest: toLogRecord(c.row) };
    });
  }

  /** Starts of the range's minutes that lie in hours with logs. */
  private minutesWithLogs(range: TimeRange): number[] {
    const firstHour = Math.floor(range.from / HOUR_MS) * HOUR_MS;
    const firstMinute = Math.floor(range.from / MINUTE_MS) * MINUTE_MS;
    const minutes: number[] = [];
    for (const { start } of this.hours.all(firstHour, range.to) as { start: number }[]) {
      for (let m = Math.max(start, firstMinute); m < Math.min(start + HOUR_MS, range.to); m += MINUTE_MS)
        minutes.push(m);
    }
    return minutes;
  }
}
