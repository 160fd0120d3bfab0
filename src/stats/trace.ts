import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LogRecord } from '../logs/log-record.js';
import type { LogSource } from '../logs/source.js';
import type { RuleKind } from '../rules/types.js';
import { NotFoundError } from '../validation/problems.js';
import { violationSourceId } from '../violations/violation-row.js';
import { type TraceViolation, violationsOfTrace } from '../violations/violation-store.js';
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
  /** The recorded violation of this log (the latest recorded, should rules have changed); null when none. */
  violation: { rule_type: RuleKind; rule_id: number; threshold_ms: number } | null;
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

/**
 * `GET /monitor/trace`: every log of the id, oldest first, each with the violation recorded for
 * it; 404 when there is none.
 */
export async function computeTrace(
  source: LogSource,
  db: Kysely<Database>,
  correlationId: string,
  limit: number,
): Promise<Trace> {
  const records = await source.trace(correlationId, limit);
  if (records.length === 0) throw new NotFoundError(`trace ${JSON.stringify(correlationId)}`);
  const times = records.map((r) => r.time);
  const recorded = await violationsOfTrace(db, correlationId, Math.min(...times), Math.max(...times));
  // Ordered by id: a later violation of the same log replaces an earlier one.
  const bySourceId = new Map(recorded.map((v) => [v.source_id, v]));
  return buildTrace(correlationId, records, limit, (r) => bySourceId.get(violationSourceId(source.key, r.sourceId)));
}

export function buildTrace(
  correlationId: string,
  records: readonly LogRecord[],
  limit: number,
  violationOf: (record: LogRecord) => TraceViolation | undefined = () => undefined,
): Trace {
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
    const violation = violationOf(r);
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
      violation: violation
        ? { rule_type: violation.rule_type, rule_id: violation.rule_id, threshold_ms: violation.threshold_ms }
        : null,
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
