import type { Insertable, Kysely } from 'kysely';
import type { AlertLogTable, Database } from '../db/schema.js';
import type { MessageRule, Rule } from '../rules/types.js';
import { ruleViolationSet, type ViolationSetFigures } from '../violations/violation-store.js';
import { insertAlertRows } from './alert-log.js';
import { violationsUrl } from './dashboard-link.js';
import { closeEpisode, type OpenEpisode, openEpisodes } from './episodes.js';
import { type ActiveSilences, silencedReason } from './noise-decision.js';
import type { AlertNotification, Destination } from './notification.js';

export interface ResolutionInput {
  rules: ReadonlyMap<string, Rule>;
  destinations: ReadonlyMap<string, Destination[]>;
  /** Log time up to which the scans have covered the source. */
  watermark: number;
  scanId: number;
  publicUrl: string;
  silences: ActiveSilences;
  now: number;
}

/**
 * Inside a transaction after a scan's batches: every open episode whose rule has had no
 * violation for resolve_after_minutes of scanned log time is closed, and, when the rule asks
 * for it (notify_resolved, still active), one `resolved` notification per destination is
 * queued — `silenced` instead while a silence matches. Cooldowns and count windows do not apply
 * to resolved notifications. Returns the rows queued as pending.
 */
export async function queueResolvedNotifications(trx: Kysely<Database>, input: ResolutionInput): Promise<number> {
  let queued = 0;
  for (const episode of await openEpisodes(trx)) {
    const rule = input.rules.get(episode.ruleKey);
    const quietMs = (rule?.resolve_after_minutes ?? 0) * 60_000;
    const facts = await episodeFacts(trx, episode);
    if (rule && input.watermark - facts.lastAt < quietMs) continue;
    if (!(await closeEpisode(trx, episode.ruleKey))) continue;
    if (!rule?.is_active || !rule.notify_resolved) continue;
    queued += await queueOne(trx, input, rule, episode, facts);
  }
  return queued;
}

type EpisodeFacts = Pick<ViolationSetFigures, 'count' | 'lastAt' | 'worstMs' | 'p95Ms'> & {
  ids?: { first: number; last: number };
};

/** The episode's violations: the rule's, with log times from its first on (exact count, worst and p95). */
async function episodeFacts(db: Kysely<Database>, episode: OpenEpisode): Promise<EpisodeFacts> {
  const set = await ruleViolationSet(db, episode.ruleType, episode.ruleId, { fromLogTime: episode.firstAt }, 0);
  if (!set) return { count: 0, lastAt: episode.firstAt, worstMs: 0, p95Ms: 0 };
  return { ...set, ids: { first: set.firstId, last: set.lastId } };
}

async function queueOne(
  trx: Kysely<Database>,
  input: ResolutionInput,
  rule: Rule,
  episode: OpenEpisode,
  facts: EpisodeFacts,
): Promise<number> {
  const messageKey = episode.ruleType === 'message' ? (rule as MessageRule).message_key : null;
  const notification: AlertNotification = {
    kind: 'resolved',
    ruleType: episode.ruleType,
    ruleId: episode.ruleId,
    app: rule.app_name,
    messageKey,
    thresholdMs: rule.max_duration,
    count: facts.count,
    sinceLastAlert: facts.count,
    ...(facts.ids ? { violationIds: facts.ids } : {}),
    worstMs: facts.worstMs,
    p95Ms: facts.p95Ms,
    firstAt: episode.firstAt,
    lastAt: facts.lastAt,
    samples: [],
    dashboardUrl: violationsUrl(input.publicUrl, {
      ruleType: episode.ruleType,
      ruleId: episode.ruleId,
      app: rule.app_name,
      messageKey,
      firstAt: episode.firstAt,
      lastAt: facts.lastAt,
      ids: facts.ids,
    }),
    resolved: {
      durationMinutes: Math.max(1, Math.round((facts.lastAt - episode.firstAt) / 60_000)),
      violations: facts.count,
      quietMinutes: rule.resolve_after_minutes,
    },
  };
  const destinations = input.destinations.get(episode.ruleKey) ?? [];
  if (destinations.length === 0) return 0;
  const silence = await input.silences.activeFor(trx, rule.app_name, messageKey, input.now);
  const rows: Insertable<AlertLogTable>[] = destinations.map((d) => ({
    rule_type: episode.ruleType,
    rule_id: episode.ruleId,
    app_name: rule.app_name,
    message_key: messageKey,
    kind: 'resolved',
    channel: d.channel,
    destination: d.address,
    target_id: d.targetId,
    status: silence ? 'silenced' : 'pending',
    last_error: silence ? silencedReason(silence) : null,
    silence_id: silence?.id ?? null,
    attempts: 0,
    next_attempt_at: input.now,
    violation_count: facts.count,
    payload: JSON.stringify(notification),
    created_at: input.now,
    updated_at: input.now,
    sent_at: null,
    scan_id: input.scanId,
    progress: null,
  }));
  await insertAlertRows(trx, rows);
  return silence ? 0 : rows.length;
}
