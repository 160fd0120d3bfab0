import type SQLite from 'better-sqlite3';
import type { Config, LogFieldNames } from '../../config/config.js';
import { openSqliteFile } from '../../db/connection.js';
import type { Logger } from '../../logging/logger.js';
import type { AppPage, AppPageRequest } from '../app-page.js';
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
  SummaryLimits,
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
import { answerStats, type StatsRequest } from './stats-requests.js';
import { StatsThreads } from './stats-thread.js';
import { EmbeddedWindowStats } from './window-stats-reader.js';

export interface EmbeddedStoreOptions {
  /**
   * Figure reads (summary, time series, apps, slowest traces) run in worker threads with their
   * own connections, off the event loop: what the service does. Without it (CLI, tests, an
   * in-memory store) they run on this connection.
   */
  readsOffLoop?: boolean;
}

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
  /** INGEST_MAX_LINES: the line limit ingestBody applies to a POST /ingest body. */
  readonly ingestMaxLines: number;

  private readonly inserter: LogInserter;
  private readonly ledger: IngestLedger;
  private readonly traceQuery: SQLite.Statement;
  private readonly rollups: RollupWriter;
  private readonly reader: SequenceReader;
  private readonly stats: StatsReader;
  private readonly slowest: SlowestTraces;
  private readonly threads: StatsThreads | undefined;
  private readonly windows: EmbeddedWindowStats;
  private closed = false;
  /** Stream ingests wait here for the one before them. */
  private streamQueue: Promise<unknown> = Promise.resolve();
  /** A stream ingest holds the write transaction (across awaits). */
  private streaming = false;

  private constructor(
    private readonly db: SQLite.Database,
    storeId: string,
    private readonly fields: LogFieldNames,
    private readonly retentionDays: number,
    initialLookbackMinutes: number,
    ingestMaxBytes: number,
    ingestMaxLines: number,
    private readonly logger: Logger | undefined,
    readsOffLoop: boolean,
  ) {
    this.key = `embedded:${storeId}`;
    this.ingestMaxBytes = ingestMaxBytes;
    this.ingestMaxLines = ingestMaxLines;
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
    this.threads = readsOffLoop && db.name !== ':memory:' ? new StatsThreads(db.name) : undefined;
    this.windows = new EmbeddedWindowStats(db);
  }

  /** Opens (creating when needed) the store at `config.embedded.path`. */
  static open(config: Config, logger?: Logger, options: EmbeddedStoreOptions = {}): EmbeddedLogStore {
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
        config.embedded.ingestMaxLines,
        logger,
        options.readsOffLoop ?? false,
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
    const run = this.lineRun(options);
    this.transaction(() => {
      if (run.replayed()) return;
      for (const line of lines) run.take(line);
      run.record();
    });
    return run.answer();
  }

  /**
   * ingestLines for lines that arrive in batches (POST /ingest bodies, decompressed as they are
   * read): one transaction over all of them, so only the batch at hand is ever held. A batch
   * source that fails (a body past its limits) rolls back everything. Stream ingests run one
   * after another.
   */
  ingestLineStream(batches: AsyncIterable<readonly NdjsonLine[]>, options: LedgerOptions = {}): Promise<IngestResult> {
    const turn = this.streamQueue.then(() => this.runLineStream(batches, options));
    this.streamQueue = turn.catch(() => undefined);
    return turn;
  }

  private async runLineStream(
    batches: AsyncIterable<readonly NdjsonLine[]>,
    options: LedgerOptions,
  ): Promise<IngestResult> {
    const run = this.lineRun(options);
    this.streaming = true;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        if (!run.replayed()) {
          for await (const batch of batches) for (const line of batch) run.take(line);
          run.record();
        }
        this.inserter.flush();
        this.rollups.flush();
        this.db.exec('COMMIT');
      } catch (error) {
        this.inserter.discard();
        this.rollups.discard();
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.streaming = false;
    }
    return run.answer();
  }

  /** The per-line work of one ingest (inside its transaction) and its answer. */
  private lineRun(options: LedgerOptions) {
    const result: IngestResult = { accepted: 0, rejected: 0, errors: [] };
    // Only the first rejections are listed: later ones are counted without building a reason.
    const maxErrors = options.maxErrors ?? MAX_INGEST_ERRORS;
    const reject = (line: number, reason: () => string) => {
      result.rejected++;
      if (result.errors.length < maxErrors) result.errors.push({ line, reason: reason() });
    };
    const now = options.now ?? Date.now();
    let replay: IngestResult | undefined;
    return {
      /** True when the Idempotency-Key was seen (nothing to store); throws when its body differs. */
      replayed: (): boolean => {
        if (!options.idempotency) return false;
        const seen = this.ledger.lookupKey(options.idempotency, now);
        if (!seen.seen) return false;
        if (!seen.sameBody) throw new IdempotencyKeyReusedError();
        replay = seen.result;
        return true;
      },
      take: (line: NdjsonLine): void => {
        if ('error' in line) {
          reject(line.lineNumber, () => line.error);
          return;
        }
        let doc: unknown = line.doc;
        try {
          if (doc === undefined) doc = JSON.parse(line.text);
        } catch (error) {
          reject(line.lineNumber, () => `invalid JSON: ${(error as Error).message.slice(0, 200)}`);
          return;
        }
        const extracted = extractLog(doc, this.fields, INGEST_RULES);
        if (!extracted.ok) {
          reject(line.lineNumber, () => extracted.reason);
          return;
        }
        this.store(extracted.log, line.text);
        result.accepted++;
      },
      /** Records the key and import mark with the logs (last, in the same transaction). */
      record: (): void => {
        if (options.idempotency) this.ledger.recordKey(options.idempotency, result, now);
        if (options.importMark) this.ledger.recordImportMark(options.importMark, now);
      },
      answer: (): IngestResult => (replay ? { ...replay, replayed: true } : result),
    };
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
    // One connection, one transaction: the stream ingest's would otherwise take these writes in.
    if (this.streaming) throw new Error('an ingest stream holds the write transaction');
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

  /** A figure read: by a stats thread when reads run off the loop, else on this connection. */
  private async read<T>(request: StatsRequest): Promise<T> {
    if (this.threads) return this.threads.run<T>(request);
    return answerStats({ stats: this.stats, slowest: this.slowest, windows: this.windows }, request) as T;
  }

  async summary(range: TimeRange, app?: string, limits?: SummaryLimits): Promise<SummaryStats> {
    return this.read({ op: 'summary', range, app, limits });
  }

  async timeseries(range: TimeRange, intervalMs: number, app?: string): Promise<BucketStats[]> {
    return this.read({ op: 'timeseries', range, intervalMs, app });
  }

  async appStats(range: TimeRange, keysPerApp: number): Promise<AppStats[]> {
    return this.read({ op: 'appStats', range, keysPerApp });
  }

  async appPage(range: TimeRange, request: AppPageRequest): Promise<AppPage> {
    return this.read({ op: 'appPage', range, request });
  }

  async trace(correlationId: string, limit: number): Promise<LogRecord[]> {
    // Rows stored before times were validated at ingest may lie outside any date: skipped.
    return (this.traceQuery.all(correlationId, limit) as LogRow[]).filter(hasValidTime).map(toLogRecord);
  }

  async slowestTraces(range: TimeRange, limit: number, app?: string): Promise<TraceSummary[]> {
    return this.read({ op: 'slowestTraces', range, limit, app });
  }

  async windowStats(queries: readonly WindowQuery[]): Promise<WindowSeries[][]> {
    return this.read({ op: 'windowStats', queries });
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
    await this.threads?.close();
    this.db.close();
  }
}
