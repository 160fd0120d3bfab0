import type { LogSource, TimeRange } from '../logs/source.js';
import { roundMs } from './rounding.js';
import { iso } from './time-range.js';

export interface SlowestTrace {
  correlation_id: string;
  /** App and message key of the slowest log. */
  app_name: string | null;
  message_key: string | null;
  max_duration_ms: number;
  /** The id's logs in the range (of the app, when one was asked for). */
  logs: number;
  /** Time of the slowest log. */
  time: string;
}

export interface SlowestTraces {
  from: string;
  to: string;
  app_name: string | null;
  traces: SlowestTrace[];
}

/** `GET /monitor/traces/slowest`: the correlation ids with the worst durations of a range. */
export async function computeSlowestTraces(
  source: LogSource,
  range: TimeRange,
  limit: number,
  app: string | undefined,
): Promise<SlowestTraces> {
  const found = await source.slowestTraces(range, limit, app);
  return {
    from: iso(range.from),
    to: iso(range.to),
    app_name: app ?? null,
    traces: found.map((t) => ({
      correlation_id: t.correlationId,
      app_name: t.slowest.app,
      message_key: t.slowest.messageKey,
      max_duration_ms: roundMs(t.maxMs) ?? 0,
      logs: t.logs,
      time: iso(t.slowest.time),
    })),
  };
}
