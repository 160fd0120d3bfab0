import { createHash } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { ViolationTable } from '../db/schema.js';
import type { LogRecord } from '../logs/log-record.js';
import type { MessageRule, PerLogKind, Rule } from '../rules/types.js';

/** A log and the rule it broke (of a per-log kind), before it is recorded. */
export interface Violation {
  log: LogRecord;
  kind: PerLogKind;
  rule: Rule;
  durationMs: number;
}

/** A violation as the `violations` table stores it (see violation-store.ts). */
export type RecordedViolation = Insertable<ViolationTable>;

export function dedupeKey(sourceKey: string, sourceId: string, kind: PerLogKind, ruleId: number): string {
  return createHash('sha256').update(`${sourceKey}\u0000${sourceId}\u0000${kind}\u0000${ruleId}`).digest('hex');
}

/** The `source_id` a violation of this log is recorded under: source key and the log's own id. */
export function violationSourceId(sourceKey: string, sourceId: string): string {
  return `${sourceKey}:${sourceId}`.slice(0, 1024);
}

export function toViolationRow(sourceKey: string, violation: Violation, now: number): RecordedViolation {
  const { log, rule, kind } = violation;
  return {
    dedupe_key: dedupeKey(sourceKey, log.sourceId, kind, rule.id),
    source_id: violationSourceId(sourceKey, log.sourceId),
    rule_type: kind,
    rule_id: rule.id,
    app_name: rule.app_name,
    message_key: kind === 'message' ? (rule as MessageRule).message_key : (log.messageKey?.slice(0, 191) ?? null),
    duration_ms: violation.durationMs,
    threshold_ms: rule.max_duration,
    log_time: log.time,
    correlation_id: log.correlationId?.slice(0, 191) ?? null,
    level: log.level?.slice(0, 32) ?? null,
    message: log.message?.slice(0, 1000) ?? null,
    created_at: now,
  };
}
