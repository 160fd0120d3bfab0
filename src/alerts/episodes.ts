import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RuleKind } from '../rules/types.js';

export interface OpenEpisode {
  ruleKey: string;
  ruleType: RuleKind;
  ruleId: number;
  /** Log time of the first violation the alert reported. */
  firstAt: number;
  alertedAt: number;
}

/**
 * The alert_episodes table: a rule that alerted and has not resolved yet. An alert that is
 * queued opens one (if none is open); its resolved notification closes it.
 */
export async function openEpisode(db: Kysely<Database>, episode: OpenEpisode): Promise<void> {
  const open = await db
    .selectFrom('alert_episodes')
    .select('rule_key')
    .where('rule_key', '=', episode.ruleKey)
    .executeTakeFirst();
  if (open) return;
  await db
    .insertInto('alert_episodes')
    .values({
      rule_key: episode.ruleKey,
      rule_type: episode.ruleType,
      rule_id: episode.ruleId,
      first_at: episode.firstAt,
      alerted_at: episode.alertedAt,
    })
    .execute();
}

export async function openEpisodes(db: Kysely<Database>): Promise<OpenEpisode[]> {
  const rows = await db.selectFrom('alert_episodes').selectAll().orderBy('rule_key').execute();
  return rows.map((r) => ({
    ruleKey: r.rule_key,
    ruleType: r.rule_type,
    ruleId: Number(r.rule_id),
    firstAt: Number(r.first_at),
    alertedAt: Number(r.alerted_at),
  }));
}

/** Closes an episode; false when another process closed it first. */
export async function closeEpisode(db: Kysely<Database>, ruleKey: string): Promise<boolean> {
  const result = await db.deleteFrom('alert_episodes').where('rule_key', '=', ruleKey).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
