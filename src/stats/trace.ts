import type { LogRecord } from '../logs/log-record.js';
import type { LogSource } from '../logs/source.js';
import { NotFoundError } from '../validation/problems.js';
import { roundMs } from './rounding.js';
import { iso } from './time-range.js';

export interface TraceSpan {
  source_id: string;
  time: string;
  app_name: string | null;
  message_key: string | null;
  level: string | null;
  message: string | null;
  duration_ms: number | null;
  /** Milliseconds since the first log of the trace. */
  offset_ms: number;
  /** Milliseconds since the previous log (0 for the first). */
  gap_ms: number;
  /** offset_ms + duration_ms: where the bar ends on a waterfall (offset_ms when no duration). */
  end_offset_ms: number;
}

export interface Trace {
  correlation_id: string;
  count: number;
  /** True when the trace has at least `limit` logs and may be cut short. */
  truncated: boolean;
  first_time: string;
  last_time: string;
  /** From the first log's time to the latest end (time + duration) of any log. */
  span_ms: number;
  total_duration_ms: number;
  logs: TraceSpan[];
}

/** `GET /monitor/trace`: every log of the id, oldest first; 404 when there is none. */
export async function computeTrace(source: LogSource, correlationId: string, limit: number): Promise<Trace> {
  const records = await source.trace(correlationId, limit);
  if (records.length === 0) throw new NotFoundError(`trace ${JSON.stringify(correlationId)}`);
  return buildTrace(correlationId, records, limit);
}

export function buildTrace(correlationId: string, records: readonly LogRecord[], limit: number): Trace {
  // Sources return oldest first already; sorting again (stable) makes that a guarantee here.
  const sorted = [...records].sort((a, b) => a.time - b.time);
  const first = sorted[0].time;
  let previous = first;
  let end = first;
  let totalDuration = 0;
  const logs = sorted.map((r) => {
    const offset = r.time - first;
    const gap = r.time - previous;
    previous = r.time;
    const duration = r.durationMs;
    if (duration !== null) totalDuration += duration;
    const spanEnd = offset + (duration ?? 0);
    end = Math.max(end, first + spanEnd);
    return {
      source_id: r.sourceId,
      time: iso(r.time),
      app_name: r.app,
      message_key: r.messageKey,
      level: r.level,
      message: r.message,
      duration_ms: roundMs(duration),
      offset_ms: offset,
      gap_ms: gap,
      end_offset_ms: roundMs(spanEnd) ?? offset,
    };
  });
  return {
    correlation_id: correlationId,
    count: logs.length,
    truncated: logs.length >= limit,
    first_time: iso(first),
    last_time: iso(sorted[sorted.length - 1].time),
    span_ms: roundMs(end - first) ?? 0,
    total_duration_ms: roundMs(totalDuration) ?? 0,
    logs,
  };
}
