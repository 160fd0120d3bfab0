import { createHash } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Database, ViolationTable } from '../db/schema.js';
import type { LogRecord } from '../logs/log-record.js';
import type { Rule } from '../rules/types.js';
import { isMessageRule, ruleKind } from '../rules/types.js';

export interface Violation {
  log: LogRecord;
  rule: Rule;
  durationMs: number;
}

export type RecordedViolation = Insertable<ViolationTable>;

// Rows per INSERT: far below every driver's placeholder limit (MySQL 65,535 / 14 columns).
const CHUNK = 500;

export function dedupeKey(sourceKey: string, sourceId: string, rule: Rule): string {
  return createHash('sha256')
    .update(`${sourceKey}\u0000${sourceId}\u0000${ruleKind(rule)}\u0000${rule.id}`)
    .digest('hex');
}

export function toViolationRow(sourceKey: string, violation: Violation, now: number): RecordedViolation {
  const { log, rule } = violation;
  return {
    dedupe_key: dedupeKey(sourceKey, log.sourceId, rule),
    source_id: `${sourceKey}:${log.sourceId}`.slice(0, 1024),
    rule_type: ruleKind(rule),
    rule_id: rule.id,
    app_name: rule.app_name,
    message_key: isMessageRule(rule) ? rule.message_key : (log.messageKey?.slice(0, 191) ?? null),
    duration_ms: violation.durationMs,
    threshold_ms: rule.max_duration,
    log_time: log.time,
    correlation_id: log.correlationId?.slice(0, 191) ?? null,
    level: log.level?.slice(0, 32) ?? null,
    message: log.message?.slice(0, 1000) ?? null,
    created_at: now,
  };
}

/**
 * Records violations once each (by source, log and rule) and returns only those that were new.
 * Runs inside the batch transaction, under the scan lease, so read-then-insert cannot race.
 */
export async function recordNewViolations(
  trx: Kysely<Database>,
  rows: RecordedViolation[],
): Promise<RecordedViolation[]> {
  const fresh: RecordedViolation[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = uniqueByKey(rows.slice(i, i + CHUNK));
    const existing = await trx
      .selectFrom('violations')
      .select('dedupe_key')
      .where(
        'dedupe_key',
        'in',
        chunk.map((r) => r.dedupe_key),
      )
      .execute();
    const seen = new Set(existing.map((r) => r.dedupe_key));
    const toInsert = chunk.filter((r) => !seen.has(r.dedupe_key));
    if (toInsert.length > 0) await trx.insertInto('violations').values(toInsert).execute();
    fresh.push(...toInsert);
  }
  return fresh;
}

function uniqueByKey(rows: RecordedViolation[]): RecordedViolation[] {
  const byKey = new Map<string, RecordedViolation>();
  for (const row of rows) if (!byKey.has(row.dedupe_key)) byKey.set(row.dedupe_key, row);
  return [...byKey.values()];
}
