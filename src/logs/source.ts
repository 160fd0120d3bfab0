import type { AppSort } from './app-sort.js';
import type { LogRecord } from './log-record.js';
import type { TimeRange } from './time-range.js';
import type { WindowQuery, WindowSeries } from './window-stats.js';

export type { TimeRange };

/**
 * Which logs a scan needs: per app with at least one active rule, the lowest threshold (ms)
 * of its rules. A source returns at least every log of these apps with duration >= that
 * threshold (it may return more); the scanner decides each rule itself.
 */
export type Thresholds = ReadonlyMap<string, number>;

/** A candidate a checkpoint scan read, with the time its window counted it by (epoch ms). */
export interface ReadCandidate {
  sourceId: string;
  time: number;
}

/** At most this many recorded candidates are kept per source (and left out of one query). */
export const MAX_RECORDED_CANDIDATES = 10_000;

export type ScanRequest =
  /**
   * Incremental: resume from the stored checkpoint cursor (undefined on the very first scan).
   * `recorded`: candidates earlier scans recorded (the state database), which a source that
   * re-reads an overlap may leave out of it.
   */
  | {
      mode: 'checkpoint';
      cursor: string | undefined;
      now: number;
      batchSize: number;
      thresholds: Thresholds;
      recorded?: readonly ReadCandidate[];
    }
  /** A fixed window (backfill, tests); the checkpoint is neither read nor written. */
  | { mode: 'range'; range: TimeRange; batchSize: number; thresholds: Thresholds };

export interface ScanBatch {
  /** Candidate logs (the threshold test already pushed down), in source order. */
  candidates: LogRecord[];
  /** How many logs this batch covered, candidates or not (for "logs scanned"). */
  scanned: number;
  /**
   * The cursor to store once this batch's violations are recorded. Storing it means: never
   * read these logs again (embedded), or restart the window from here (Elasticsearch).
   */
  cursor: string;
  /** Log time up to which everything has been read, epoch ms (for checkpoint lag). */
  watermark: number;
  /**
   * Checkpoint scans of a source that re-reads an overlap: candidates of this batch to store as
   * recorded together with its cursor (in the same transaction as its violations), and on the
   * last batch the time before which stored ones can be forgotten (the next scan reads no
   * further back).
   */
  remember?: { candidates: readonly ReadCandidate[]; forgetBefore?: number };
}

export interface SourceHealth {
  ok: boolean;
  /** e.g. "embedded SQLite 3.45" or "Elasticsearch 8.15.0" / "OpenSearch 2.17.1". */
  description: string;
  version?: string;
  error?: string;
}

export interface SummaryStats {
  totalLogs: number;
  /** Logs that carry a duration, and the sum of their durations (ms), for averages. */
  durationCount: number;
  durationSumMs: number;
  /** Busiest first (then by name); at most `limits.apps` of them when limits are given. */
  byApp: { app: string; count: number; durationCount: number; durationSumMs: number }[];
  /** Every app with logs in the range, listed in `byApp` or not. */
  appsTotal: number;
  /** Most frequent first (then by name); at most `limits.levels` of them when limits are given. */
  levels: { level: string; count: number }[];
  /** Every level seen in the range. */
  levelsTotal: number;
}

/** How many apps and levels a summary lists (the busiest, the most frequent); the totals count them all. */
export interface SummaryLimits {
  apps: number;
  levels: number;
}

export interface BucketStats {
  /** Bucket start, epoch ms. */
  start: number;
  count: number;
  avgMs: number | null;
  p95Ms: number | null;
}

export interface AppStats {
  app: string;
  count: number;
  avgMs: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** Message keys ordered by p95 descending, at most `keysPerApp`. */
  slowestKeys: {
    messageKey: string;
    count: number;
    avgMs: number | null;
    p95Ms: number | null;
    maxMs: number | null;
  }[];
}

/** One app of `/dashboard/apps`: its figures from the log source, its violations from the state database. */
export interface AppFigures {
  app_name: string;
  logs: number;
  avg_ms: number | null;
  p95_ms: number | null;
  max_ms: number | null;
  violations: number;
  violation_rate: number;
  slowest_message_keys: {
    message_key: string;
    count: number;
    avg_ms: number | null;
    p95_ms: number | null;
    max_ms: number | null;
  }[];
}

/** Which page of the apps a source answers, and what orders them. */
export interface AppPageRequest {
  /** How many of each app's slowest message keys to list. */
  keysPerApp: number;
  sort: AppSort | undefined;
  /** From 1. */
  page: number;
  perPage: number;
  /** Recorded violations per app over the range (the state database). */
  violations: ReadonlyMap<string, number>;
}

export interface AppPage {
  apps: AppFigures[];
  /** Every app of the range, listed or not. */
  total: number;
}

/** One correlation id among the slowest of a range (see LogSource.slowestTraces). */
export interface TraceSummary {
  correlationId: string;
  /** The id's logs in the range (of the app, when one was asked for). */
  logs: number;
  /** The worst duration among them, ms. */
  maxMs: number;
  /** The log with that duration. */
  slowest: LogRecord;
}

/**
 * Everything the scanner, dashboard and monitor need from a log store. The embedded SQLite
 * store and the Elasticsearch/OpenSearch adapter both implement it; callers never know which.
 */
export interface LogSource {
  readonly kind: 'embedded' | 'elasticsearch';
  /** Checkpoint key of this source (one checkpoint per source and location). */
  readonly key: string;

  /** Candidate violations in batches; see ScanRequest and ScanBatch. */
  scan(request: ScanRequest): AsyncIterable<ScanBatch>;
  /**
   * When a checkpoint scan would first read a candidate it has not read before (epoch ms, at
   * least `request.now`), undefined when none is visible; cheaply (sources that cannot tell, or
   * are told of new logs otherwise, leave it out).
   */
  pendingScanAt?(request: Extract<ScanRequest, { mode: 'checkpoint' }>): Promise<number | undefined>;

  /** Totals, per-app counts and averages, level distribution over a range (of one app when given). */
  summary(range: TimeRange, app?: string, limits?: SummaryLimits): Promise<SummaryStats>;
  /** Count, average and p95 duration per bucket of `intervalMs` (buckets aligned to epoch). */
  timeseries(range: TimeRange, intervalMs: number, app?: string): Promise<BucketStats[]>;
  /** Per app: count, average, p95, worst duration, and its slowest message keys. */
  appStats(range: TimeRange, keysPerApp: number): Promise<AppStats[]>;
  /** One page of the apps in the order `request` asks (see pageApps), and how many there are. */
  appPage(range: TimeRange, request: AppPageRequest): Promise<AppPage>;
  /** Every log of a correlation id, oldest first, at most `limit`. */
  trace(correlationId: string, limit: number): Promise<LogRecord[]>;
  /**
   * The correlation ids whose worst log duration in the range is highest (of one app's logs
   * when `app` is given), slowest first, then by id; at most `limit`. Ids without any duration
   * are left out.
   */
  slowestTraces(range: TimeRange, limit: number, app?: string): Promise<TraceSummary[]>;
  /**
   * Window statistics for window rules: for each query, in order, its series (see
   * window-stats.ts; a WindowStatsReader). A malformed query is refused with a RangeError.
   */
  windowStats(queries: readonly WindowQuery[]): Promise<WindowSeries[][]>;

  health(): Promise<SourceHealth>;
  close(): Promise<void>;
}
