import type SQLite from 'better-sqlite3';
import { isValidDuration, isValidLogTime, MAX_DURATION_MS, MAX_LOG_TIME_MS } from '../fields.js';
import type { LogRecord } from '../log-record.js';
import type { ScanBatch, ScanRequest, Thresholds, TimeRange } from '../source.js';

export const LOG_COLUMNS = 'seq, time, app, message_key, duration_ms, correlation_id, level, message';
const L_COLUMNS = LOG_COLUMNS.split(', ')
  .map((column) => `l.${column}`)
  .join(', ');

export interface LogRow {
  seq: number;
  time: number;
  app: string | null;
  message_key: string | null;
  duration_ms: number | null;
  correlation_id: string | null;
  level: string | null;
  message: string | null;
}

/**
 * Rows are read defensively: a file may hold rows stored before ingest validated times and
 * durations. A row without a valid time is skipped by every reader (hasValidTime); an invalid
 * duration reads as none.
 */
export function toLogRecord(row: LogRow): LogRecord {
  const duration = row.duration_ms;
  return {
    sourceId: String(row.seq),
    time: row.time,
    app: row.app,
    messageKey: row.message_key,
    durationMs: duration !== null && isValidDuration(duration) ? duration : null,
    correlationId: row.correlation_id,
    level: row.level,
    message: row.message,
  };
}

export const hasValidTime = (row: { time: number }): boolean => isValidLogTime(row.time);

/** SQL for "a row the scan may judge": valid time and duration (see toLogRecord). */
const VALID_ROW = `l.time BETWEEN 0 AND ${MAX_LOG_TIME_MS} AND l.duration_ms <= ${MAX_DURATION_MS}`;

/** The checkpoint cursor: the last sequence covered, and the log-time watermark so far. */
interface SeqCursor {
  seq: number;
  watermark?: number;
}

export function parseSeqCursor(cursor: string): SeqCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch {
    parsed = undefined;
  }
  const seq = (parsed as { seq?: unknown } | undefined)?.seq;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) {
    throw new Error(`invalid embedded log store cursor: ${cursor.slice(0, 100)}`);
  }
  const watermark = (parsed as { watermark?: unknown }).watermark;
  return { seq, watermark: typeof watermark === 'number' ? watermark : undefined };
}

/**
 * Reads candidate violations. Checkpoint mode walks the ingest sequence, which is gap-free and
 * only grows (one writer, one transaction per ingest call), so a cursor is exact: nothing is
 * read twice or skipped, whatever the log times. Range mode walks [from, to) by (time, seq).
 */
export class SequenceReader {
  private readonly maxSeq: SQLite.Statement;
  private readonly firstSeqSince: SQLite.Statement;
  private readonly clearThresholds: SQLite.Statement;
  private readonly insertThreshold: SQLite.Statement;
  private readonly seqCandidates: SQLite.Statement;
  private readonly seqCovered: SQLite.Statement;
  private readonly rangeCandidates: SQLite.Statement;
  private readonly rangeCovered: SQLite.Statement;

  constructor(
    private readonly db: SQLite.Database,
    private readonly initialLookbackMs: number,
  ) {
    db.exec(
      'CREATE TEMP TABLE IF NOT EXISTS scan_thresholds (app TEXT PRIMARY KEY, min_ms REAL NOT NULL) WITHOUT ROWID',
    );
    this.maxSeq = db.prepare('SELECT max(seq) AS seq FROM logs');
    // Through the (small, covering) time index: only the lookback window is read, never the
    // older rows before it.
    this.firstSeqSince = db.prepare('SELECT min(seq) AS seq FROM logs INDEXED BY logs_time WHERE time >= ?');
    this.clearThresholds = db.prepare('DELETE FROM temp.scan_thresholds');
    this.insertThreshold = db.prepare('INSERT INTO temp.scan_thresholds (app, min_ms) VALUES (?, ?)');
    // CROSS JOIN keeps logs as the outer loop: a walk along the sequence, one lookup per row.
    this.seqCandidates = db.prepare(`
      SELECT ${L_COLUMNS} FROM logs AS l CROSS JOIN temp.scan_thresholds AS t
      WHERE l.seq > ? AND l.seq <= ? AND t.app = l.app AND l.duration_ms >= t.min_ms AND ${VALID_ROW}
      ORDER BY l.seq LIMIT ?`);
    // One row lookup, not a second pass over the batch: the candidate query already read it.
    this.seqCovered = db.prepare('SELECT time AS t FROM logs WHERE seq = ?');
    // Walks the time index in order, one threshold lookup per log.
    this.rangeCandidates = db.prepare(`
      SELECT ${L_COLUMNS} FROM logs AS l CROSS JOIN temp.scan_thresholds AS t
      WHERE l.time >= ? AND l.time < ? AND (l.time, l.seq) > (?, ?) AND t.app = l.app AND l.duration_ms >= t.min_ms
        AND ${VALID_ROW}
      ORDER BY l.time, l.seq LIMIT ?`);
    this.rangeCovered = db.prepare(`
      SELECT count(*) AS n FROM logs
      WHERE time >= ? AND time < ? AND (time, seq) > (?, ?) AND (time, seq) <= (?, ?)`);
  }

  async *scan(request: ScanRequest): AsyncGenerator<ScanBatch> {
    if (request.batchSize < 1) throw new RangeError('batchSize must be at least 1');
    if (request.mode === 'checkpoint')
      yield* this.scanSequence(request.cursor, request.now, request.batchSize, request.thresholds);
    else yield* this.scanRange(request.range, request.batchSize, request.thresholds);
  }

  /**
   * SCAN_LAG_SECONDS does not apply here: a log is visible to the scan exactly when its ingest
   * transaction commits, and the sequence bound taken at the start covers everything committed.
   *
   * First scan (no cursor): starts at the first sequence whose time is within the initial
   * lookback, and from there reads everything (time is not monotonic in the sequence: a
   * late-arriving old log after that point is still scanned). It always yields a batch, even
   * an empty one, so that the starting point becomes the checkpoint.
   */
  private *scanSequence(cursorText: string | undefined, now: number, batchSize: number, thresholds: Thresholds) {
    const end = ((this.maxSeq.get() as { seq: number | null }).seq ?? 0) as number;
    let cursor: number;
    let watermark: number;
    let mustYield = false;
    if (cursorText === undefined) {
      const since = now - this.initialLookbackMs;
      const first = (this.firstSeqSince.get(since) as { seq: number | null }).seq;
      cursor = first === null ? end : first - 1;
      watermark = since;
      mustYield = true;
    } else {
      const parsed = parseSeqCursor(cursorText);
      cursor = parsed.seq;
      watermark = parsed.watermark ?? Number.NEGATIVE_INFINITY;
    }
    while (cursor < end || mustYield) {
      mustYield = false;
      let candidates: LogRow[] = [];
      if (thresholds.size > 0) {
        this.loadThresholds(thresholds);
        candidates = this.seqCandidates.all(cursor, end, batchSize) as LogRow[];
      }
      const batchEnd = candidates.length === batchSize ? candidates[candidates.length - 1]!.seq : end;
      // The sequence is gap-free, so the batch covered batchEnd - cursor logs (rows that retention
      // deleted before they were scanned count as covered). The watermark is the time of the
      // newest log covered, never moving back.
      const last = batchEnd > cursor ? (this.seqCovered.get(batchEnd) as { t: number } | undefined) : undefined;
      const lastTime = last !== undefined && isValidLogTime(last.t) ? last.t : undefined;
      if (lastTime !== undefined && lastTime > watermark) watermark = lastTime;
      if (!Number.isFinite(watermark)) watermark = lastTime ?? 0;
      const scanned = Math.max(batchEnd - cursor, 0);
      cursor = Math.max(cursor, batchEnd);
      yield {
        candidates: candidates.map(toLogRecord),
        scanned,
        cursor: JSON.stringify({ seq: cursor, watermark }),
        watermark,
      };
    }
  }

  private *scanRange(range: TimeRange, batchSize: number, thresholds: Thresholds) {
    let after: [number, number] = [range.from, 0];
    for (;;) {
      let candidates: LogRow[] = [];
      if (thresholds.size > 0) {
        this.loadThresholds(thresholds);
        // after[0] >= from: seeking the index there skips what earlier batches covered.
        candidates = this.rangeCandidates.all(after[0], range.to, after[0], after[1], batchSize) as LogRow[];
      }
      const last = candidates.length === batchSize ? candidates[candidates.length - 1]! : undefined;
      const upTo: [number, number] = last ? [last.time, last.seq] : [range.to, 0];
      const covered = this.rangeCovered.get(after[0], range.to, ...after, ...upTo) as { n: number };
      yield {
        candidates: candidates.map(toLogRecord),
        scanned: covered.n,
        cursor: JSON.stringify({ time: upTo[0], seq: upTo[1] }),
        watermark: last ? last.time : range.to,
      };
      if (!last) return;
      after = upTo;
    }
  }

  private loadThresholds(thresholds: Thresholds): void {
    this.db.transaction(() => {
      this.clearThresholds.run();
      for (const [app, ms] of thresholds) this.insertThreshold.run(app, ms);
    })();
  }
}
