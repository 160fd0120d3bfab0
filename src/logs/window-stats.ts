import type { TimeRange } from './time-range.js';

/**
 * The statistics a window rule can judge. Percentiles use the one shared definition
 * (nearest rank; within 1% on Elasticsearch/OpenSearch); `slow_ratio` is the share, in %, of
 * the logs with a duration whose duration is greater than `slowMs`.
 */
export const WINDOW_STATISTICS = ['p50', 'p90', 'p95', 'p99', 'avg', 'max', 'slow_ratio'] as const;
export type WindowStatistic = (typeof WINDOW_STATISTICS)[number];

/** One question about the logs of an app (and one message key) whose time lies in `range`. */
export interface WindowQuery {
  app: string;
  /** null: every log of the app. */
  messageKey: string | null;
  /**
   * With `messageKey` null: one series per message key, the `maxSeries` busiest (most logs with
   * a duration, then by key) only. Without: one series for the whole query.
   */
  perKey: boolean;
  maxSeries: number;
  range: TimeRange;
  statistic: WindowStatistic;
  /** For `slow_ratio`: the duration (ms) above which a log is slow. */
  slowMs?: number;
  /** When given, each series also counts its logs with a duration greater than this (ms), exactly. */
  countAboveMs?: number;
  /**
   * Judge `range` by ingest time instead of log time where the source has an ingest-time field
   * (Elasticsearch with FIELD_INGESTED); otherwise by log time.
   */
  byIngestTime?: boolean;
}

export interface WindowSeries {
  /** The query's message key, or with `perKey` this series' key. */
  messageKey: string | null;
  /** Logs in the range, with a duration or without. */
  logs: number;
  /** Logs in the range with a duration: the sample the statistic is taken over. */
  samples: number;
  /** The statistic (ms, or % for slow_ratio); null when `samples` is 0. */
  value: number | null;
  /** With `countAboveMs`: the logs whose duration is greater than it. */
  above?: number;
}

/**
 * Answers: for each query, in order, its series. A query without `perKey` answers exactly one
 * series (counts 0 and value null when nothing matched); one with `perKey` answers one series
 * per key that has logs in the range, busiest first, at most `maxSeries`.
 */
export type WindowStatsReader = (queries: readonly WindowQuery[]) => Promise<WindowSeries[][]>;
