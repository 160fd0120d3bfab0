import type { Kysely } from 'kysely';
import type { Database } from '../../../src/db/schema.js';
import type { TestLog } from '../log-documents.js';

/** A small seeded generator, so that a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The rules as the oracle sees them (ids as the database gave them). */
export interface OracleRules {
  app: Array<{ id: number; app: string; max: number; active?: boolean }>;
  message: Array<{ id: number; app: string; key: string; max: number; active?: boolean }>;
}

export interface ExpectedViolation {
  /** Index of the log in the list given (the embedded sequence is index + 1 + offset). */
  index: number;
  ruleType: 'app' | 'message';
  ruleId: number;
}

/**
 * DESIGN.md's deciding rule, written independently of the matcher: an active message rule for
 * (app, key) alone decides; otherwise the app's active rule; a violation is strictly greater.
 */
export function expectedViolations(logs: readonly TestLog[], rules: OracleRules): ExpectedViolation[] {
  const out: ExpectedViolation[] = [];
  logs.forEach((log, index) => {
    if (log.duration === undefined) return;
    const message = rules.message.find((r) => r.active !== false && r.app === log.app && r.key === log.key);
    const app = rules.app.find((r) => r.active !== false && r.app === log.app);
    if (message) {
      if (log.duration > message.max) out.push({ index, ruleType: 'message', ruleId: message.id });
    } else if (app && log.duration > app.max) {
      out.push({ index, ruleType: 'app', ruleId: app.id });
    }
  });
  return out;
}

/** Recorded violations as `<rule type>:<rule id>:<source id>` strings, sorted. */
export async function recordedViolations(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('violations').select(['rule_type', 'rule_id', 'source_id']).execute();
  return rows.map((r) => `${r.rule_type}:${Number(r.rule_id)}:${r.source_id}`).sort();
}

/** The same strings for the oracle's violations, given the embedded store's key and first sequence. */
export function violationKeys(expected: readonly ExpectedViolation[], sourceKey: string, firstSeq = 1): string[] {
  return expected.map((v) => `${v.ruleType}:${v.ruleId}:${sourceKey}:${v.index + firstSeq}`).sort();
}

/** Every row of the tables a scan may touch, for "changed nothing" comparisons. */
export async function stateSnapshot(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const tables = ['violations', 'alert_log', 'checkpoints', 'cron_logs', 'cooldowns', 'leases'] as const;
  const snapshot: Record<string, unknown[]> = {};
  for (const table of tables) snapshot[table] = await db.selectFrom(table).selectAll().execute();
  return snapshot;
}
