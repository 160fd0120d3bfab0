import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Which rules each log source's checkpoint scans have judged (table `judged_rules`, keys as
 * `ruleKeyOf`). A rule with no row is new to the source, and its first scan also judges recent
 * logs from before its creation.
 */
export async function judgedRuleKeys(db: Kysely<Database>, sourceKey: string): Promise<Set<string>> {
  const rows = await db.selectFrom('judged_rules').select('rule_key').where('source_key', '=', sourceKey).execute();
  return new Set(rows.map((r) => r.rule_key));
}

/** Records that a scan judged these rules, and forgets rules that no longer exist. */
export async function markRulesJudged(
  db: Kysely<Database>,
  sourceKey: string,
  ruleKeys: readonly string[],
  known: ReadonlySet<string>,
  now: number,
): Promise<void> {
  const fresh = ruleKeys.filter((key) => !known.has(key));
  for (let i = 0; i < fresh.length; i += 500) {
    const rows = fresh.slice(i, i + 500).map((rule_key) => ({ source_key: sourceKey, rule_key, judged_at: now }));
    await db.insertInto('judged_rules').values(rows).execute();
  }
  const current = new Set(ruleKeys);
  const gone = [...known].filter((key) => !current.has(key));
  for (let i = 0; i < gone.length; i += 500) {
    await db
      .deleteFrom('judged_rules')
      .where('source_key', '=', sourceKey)
      .where('rule_key', 'in', gone.slice(i, i + 500))
      .execute();
  }
}
