import type { AppPageRequest } from '../app-page.js';
import type { SummaryLimits, TimeRange } from '../source.js';
import type { WindowQuery } from '../window-stats.js';
import type { SlowestTraces } from './slowest-traces.js';
import type { StatsReader } from './stats-reader.js';
import type { EmbeddedWindowStats } from './window-stats-reader.js';

/** A figure read of the embedded store, as data: what the stats threads are asked. */
export type StatsRequest =
  | { op: 'summary'; range: TimeRange; app: string | undefined; limits: SummaryLimits | undefined }
  | { op: 'timeseries'; range: TimeRange; intervalMs: number; app: string | undefined }
  | { op: 'appStats'; range: TimeRange; keysPerApp: number }
  | { op: 'appPage'; range: TimeRange; request: AppPageRequest }
  | { op: 'slowestTraces'; range: TimeRange; limit: number; app: string | undefined }
  | { op: 'windowStats'; queries: readonly WindowQuery[] };

export interface StatsReaders {
  stats: StatsReader;
  slowest: SlowestTraces;
  windows: EmbeddedWindowStats;
}

/** Runs one request on the readers of a connection (a stats thread's, or the store's own). */
export function answerStats(readers: StatsReaders, request: StatsRequest): unknown {
  switch (request.op) {
    case 'summary':
      return readers.stats.summary(request.range, request.app, request.limits);
    case 'timeseries':
      return readers.stats.timeseries(request.range, request.intervalMs, request.app);
    case 'appStats':
      return readers.stats.appStats(request.range, request.keysPerApp);
    case 'appPage':
      return readers.stats.appPage(request.range, request.request);
    case 'slowestTraces':
      return readers.slowest.read(request.range, request.limit, request.app);
    case 'windowStats':
      return readers.windows.read(request.queries);
  }
}
