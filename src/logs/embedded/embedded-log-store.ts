import type SQLite from 'better-sqlite3';
import type { Config, LogFieldNames } from '../../config/config.js';
import { openSqliteFile } from '../../db/connection.js';
import type { Logger } from '../../logging/logger.js';
import { extractLog } from '../fields.js';
import type { LogFields, LogRecord } from '../log-record.js';
import type { ImportMark, LedgerOptions } from '../ndjson/ledger-options.js';
import { type IngestResult, MAX_INGEST_ERRORS, type NdjsonLine } from '../ndjson/ndjson-line.js';
import type {
  AppStats,
  BucketStats,
  LogSource,
  ScanBatch,
  ScanRequest,
  SourceHealth,
  SummaryStats,
  TimeRange,
  TraceSummary,
} from '../source.js';
import type { WindowQuery, WindowSeries } from '../window-stats.js';
import { IngestLedger } from './ingest-ledger.js';
import { LogInserter } from './log-inserter.js';
import { type PruneResult, pruneOlderThan } from './retention.js';
import { RollupWriter } from './rollup-writer.js';
import { HOUR_MS, MINUTE_MS, prepareSchema, SCOPE_ALL } from './schema.js';
import { hasValidTime, LOG_COLUMNS, type LogRow, SequenceReader, toLogRecord } from './sequence-reader.js';
import { SlowestTraces } from './slowest-traces.js';
import { StatsReader } from './stats-reader.js';
import { EmbeddedWindowStats } from './window-stats-reader.js';

const DAY_MS = 86_400_000;
/** At ingest an invalid duration rejects the line (DESIGN); reading, it is a log without duration. */
const INGEST_RULES = { invalidDuration: 'reject' } as const;

/** The same Idempotency-Key came with a different body: a client error, nothing stored. */
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('this Idempotency-Key was used in the last 24 hours with a different body');
    this.name = 'IdempotencyKeyReusedError';
  }
}

/**
 * The embedded log store: one SQLite file (EMBEDDED_LOG_DB) holding the logs with their
 * extracted fields and raw document, and rollups (per minute, 5 minutes and hour) kept at ingest.
 * One process writes at a time; every ingest call is one transaction.
 */
export class EmbeddedLogStore implements LogSource {
  readonly kind = 'embedded' as const;
  readonly key: string;
  /** INGEST_MAX_BYTES: the limit ingestBody applies to a POST /ingest body. */
  readonly ingestMaxBytes: number;

  private readonly inserter: LogInserter;
  private readonly ledger: IngestLedger;
  private readonly traceQuery: SQLite.Statement;
  private readonly rollups: RollupWriter;
  private readonly reader: SequenceReader;
  private readonly stats: StatsReader;
  private readonly slowest: SlowestTraces;
  private readonly windows: EmbeddedWindowStats;
  private closed = false;

  private constructor(
    private readonly db: SQLite.Database,
    storeId: string,
    private readonly fields: LogFieldNames,
    private readonly retentionDays: number,
    initialLookbackMinutes: number,
    ingestMaxBytes: number,
    private readonly logger: Logger | undefined,
  ) {
    this.key = `embedded:${storeId}`;
    this.ingestMaxBytes = ingestMaxBytes;
    this.inserter = new LogInserter(db);
    this.ledger = new IngestLedger(db);
    // The correlation index leads with the minute (see schema.ts): look the id up in every
    // minute of every hour that has logs, which the all-apps hour rollups list.
    this.traceQuery = db.prepare(`
      WITH RECURSIVE minute_of_hour (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM minute_of_hour WHERE i < 59),
        hours (start) AS (SELECT start FROM rollup_series WHERE span = ${HOUR_MS} AND scope = ${SCOPE_ALL})
      SELECT ${LOG_COLUMNS} FROM logs
      WHERE time / ${MINUTE_MS} IN (SELECT hours.start / ${MINUTE_MS} + i FROM hours, minute_of_hour)
        AND correlation_id = ? AND correlation_id IS NOT NULL
      ORDER BY time, seq LIMIT ?`);
    this.rollups = new RollupWriter(db);
    this.reader = new SequenceReader(db, initialLookbackMinutes * 60_000);
    this.stats = new StatsReader(db);
    this.slowest = new SlowestTraces(db);
    this.windows = new EmbeddedWindowStats(db);
  }

  /** Opens (creating when needed) the store at `config.embedded.path`. */
  static open(config: Config, logger?: Logger): EmbeddedLogStore {
    const db = openSqliteFile(config.embedded.path);
    try {
      // 16 MiB of page cache: rollup reads stay cached; a catch-up scan streams through pages once.
      db.pragma('cache_size = -16384');
      db.pragma('temp_store = MEMORY');
      // Fewer, larger checkpoints: measured to speed up bulk ingest markedly.
      db.pragma('wal_autocheckpoint = 10000');
      const storeId = prepareSchema(db);
      return new EmbeddedLogStore(
        db,
        storeId,
        config.fields,
        config.embedded.retentionDays,
        config.scan.initialLookbackMinutes,
        config.embedded.ingestMaxBytes,
        logger,
      );
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The path of the SQLite file. */
  get path(): string {
    return this.db.name;
  }

  /**
   * Parses, maps and stores NDJSON lines in one transaction. Lines that are not JSON objects
   * with a valid time are rejected with their line number and reason; blank lines are ignored.
   */
  ingestLines(lines: Iterable<NdjsonLine>, options: LedgerOptions = {}): IngestResult {
    const result: IngestResult = { accepted: 0, rejected: 0, errors: [] };
    const reject = (line: number, reason: string) => {
      result.rejected++;
      if (result.errors.length < MAX_INGEST_ERRORS) result.errors.push({ line, reason });
    };
    const now = options.now ?? Date.now();
    let replay: IngestResult | undefined;
    this.transaction(() => {
      if (options.idempotency) {
        const seen = this.ledger.lookupKey(options.idempotency, now);
        if (seen.seen) {
          if (!seen.sameBody) throw new IdempotencyKeyReusedError();
          replay = seen.result;
          return;
        }
      }
      for (const line of lines) {
        if ('error' in line) {
          reject(line.lineNumber, line.error);
          continue;
        }
        let doc: unknown;
        try {
          doc = JSON.parse(line.text);
        } catch (error) {
          reject(line.lineNumber, `invalid JSON: ${(error as Error).message.slice(0, 200)}`);
          continue;
        }
        const extracted = extractLog(doc, this.fields, INGEST_RULES);
        if (!extracted.ok) {
          reject(line.lineNumber, extracted.reason);
          continue;
        }
        this.store(extracted.log, line.text);
        result.accepted++;
      }
      if (options.idempotency) this.ledger.recordKey(options.idempotency, result, now);
      if (options.importMark) this.ledger.recordImportMark(options.importMark, now);
    });
    return replay ? { ...replay, replayed: true } : result;
  }

  /** Where an earlier logs:import of this path stopped (see import-files.ts). */
  importMark(path: string): ImportMark | undefined {
    return this.ledger.importMark(path);
  }

  /** Stores parsed documents in one transaction; document i is reported as line i + 1. */
  ingestDocuments(documents: readonly unknown[]): IngestResult {
    const result: IngestResult = { accepted: 0, rejected: 0, errors: [] };
    this.transaction(() => {
      documents.forEach((doc, index) => {
        const extracted = extractLog(doc, this.fields, INGEST_RULES);
        if (!extracted.ok) {
          result.rejected++;
          if (result.errors.length < MAX_INGEST_ERRORS)
            result.errors.push({ line: index + 1, reason: extracted.reason });
          return;
        }
        this.store(extracted.log, JSON.stringify(doc));
        result.accepted++;
      });
    });
    return result;
  }

  private store(log: LogFields, raw: string): void {
    this.inserter.add(log, raw);
    this.rollups.add(log);
  }

  private transaction(work: () => void): void {
    try {
      this.db
        .transaction(() => {
          work();
          this.inserter.flush();
          this.rollups.flush();
        })
        .immediate();
    } catch (error) {
      this.inserter.discard();
      this.rollups.discard();
      throw error;
    }
  }

  scan(request: ScanRequest): AsyncIterable<ScanBatch> {
    return this.reader.scan(request);
  }

  async summary(range: TimeRange, app?: string): Promise<SummaryStats> {
    return this.stats.summary(range, app);
  }

  async timeseries(range: TimeRange, intervalMs: number, app?: string): Promise<BucketStats[]> {
    return this.stats.timeseries(range, intervalMs, app);
  }

  async appStats(range: TimeRange, keysPerApp: number): Promise<AppStats[]> {
    return this.stats.appStats(range, keysPerApp);
  }

  async trace(correlationId: string, limit: number): Promise<LogRecord[]> {
    // Rows stored before times were validated at ingest may lie outside any date: skipped.
    return (this.traceQuery.all(correlationId, limit) as LogRow[]).filter(hasValidTime).map(toLogRecord);
  }

  async slowestTraces(range: TimeRange, limit: number, app?: string): Promise<TraceSummary[]> {
    return this.slowest.read(range, limit, app);
  }

  async windowStats(queries: readonly WindowQuery[]): Promise<WindowSeries[][]> {
    return this.windows.read(queries);
  }

  async health(): Promise<SourceHealth> {
    try {
      const { version } = this.db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
      this.db.prepare('SELECT max(seq) FROM logs').get();
      return { ok: true, description: `embedded SQLite ${version} (${this.db.name})`, version };
    } catch (error) {
      return { ok: false, description: `embedded SQLite (${this.db.name})`, error: (error as Error).message };
    }
  }

  /**
   * Deletes logs and rollups older than EMBEDDED_RETENTION_DAYS (cut at a whole hour, so that
   * hour rollups and raw rows end at the same point), in bounded chunks that each commit on
   * their own; meant to run hourly.
   */
  async prune(now: number = Date.now()): Promise<PruneResult> {
    const cutoff = Math.floor((now - this.retentionDays * DAY_MS) / 3_600_000) * 3_600_000;
    const result = await pruneOlderThan(this.db, cutoff);
    if (result.logs > 0 || result.rollupRows > 0) this.logger?.info({ ...result, cutoff }, 'embedded log store pruned');
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
