import type { Insertable, Kysely } from 'kysely';
import type { AlertLogTable, Database } from '../db/schema.js';
import type { Rule } from '../rules/types.js';
import { lastViolationIdRecordedBy, ruleViolationSet } from '../violations/violation-store.js';
import { channelListValue, insertAlertRows, lastNotifiedViolationId, updateUnsentScanRows } from './alert-log.js';
import type { CooldownState, CooldownStore } from './cooldown.js';
import { openEpisode } from './episodes.js';
import { type RuleGroup, ruleKeyOf, SAMPLES } from './grouping.js';
import { type ActiveSilences, countInWindow, type NoiseDecision, noiseDecision } from './noise-decision.js';
import type { Destination } from './notification.js';

interface RuleDecision {
  decision: NoiseDecision;
  /** The last violation id the rule's previous notification reported: this one reports those after it. */
  afterViolationId: number;
  /** The cooldown this scan's notification wrote (notify only). */
  state?: CooldownState;
}

export interface QueueResult {
  /** Alert log rows written (new) in this call. */
  queued: number;
  /** Cooldown writes to make after the transaction commits (Redis store). */
  afterCommit: { ruleKey: string; state: CooldownState }[];
}

/**
 * Turns a scan's rule groups into alert log rows, inside the batch transaction: one row per
 * destination, `pending` when the notification is due, else `suppressed` (below the count
 * window, in cooldown) or `silenced` with the reason (see noise-decision.ts for the order).
 * Later batches of the same scan update the rows they already wrote (while none of them has
 * been attempted), so a scan sends one grouped notification per rule and target; a decision
 * held back only by the count window is taken again as the scan's later batches add violations.
 */
export class AlertQueue {
  private readonly decisions = new Map<string, RuleDecision>();

  constructor(
    private readonly scanId: number,
    private readonly cooldowns: CooldownStore,
    private readonly publicUrl: string,
    private readonly silences: ActiveSilences,
    private readonly now: () => number = Date.now,
  ) {}

  async queue(trx: Kysely<Database>, group: RuleGroup, rule: Rule, destinations: Destination[]): Promise<QueueResult> {
    const ruleKey = ruleKeyOf(group.ruleType, group.ruleId);
    const now = this.now();
    const result: QueueResult = { queued: 0, afterCommit: [] };
    let current = this.decisions.get(ruleKey);
    const firstTouch = current === undefined;
    const wasBelowCount = current?.decision.mode === 'below_count';
    const window = rule.window_minutes > 0 ? await countInWindow(trx, group, rule.window_minutes) : undefined;

    if (!current || current.decision.mode === 'below_count') {
      const cooldown = await this.cooldowns.get(trx, ruleKey);
      const decision = await noiseDecision({ rule, group, window, cooldown, now }, (app, key) =>
        this.silences.activeFor(trx, app, key, now),
      );
      const afterViolationId =
        current?.afterViolationId ?? (await previousBoundary(trx, group, cooldown?.lastSentAt ?? 0));
      current = { decision, afterViolationId };
      this.decisions.set(ruleKey, current);
      if (decision.mode === 'notify' && destinations.length > 0) {
        const state = { lastSentAt: now, until: now + rule.cooldown_minutes * 60_000 };
        current.state = state;
        if (this.cooldowns.transactional) await this.cooldowns.set(trx, ruleKey, state);
        else result.afterCommit.push({ ruleKey, state });
        await openEpisode(trx, {
          ruleKey,
          ruleType: group.ruleType,
          ruleId: group.ruleId,
          firstAt: window?.firstAt ?? group.firstLogTime,
          alertedAt: now,
        });
      }
    }
    const { decision } = current;

    // Every violation since the previous notification: figures, samples and link cover this set.
    const set = await ruleViolationSet(
      trx,
      group.ruleType,
      group.ruleId,
      { afterId: current.afterViolationId },
      SAMPLES,
    );
    const notification = {
      kind: 'alert' as const,
      ...group.toNotification(group.count, this.publicUrl, set),
      ...(window ? { window: { minutes: rule.window_minutes, count: window.count } } : {}),
    };
    const payload = JSON.stringify(notification);
    const status = destinations.length === 0 ? 'suppressed' : statusOf(decision);
    const reason =
      destinations.length === 0 ? `no active target for ${rule.alert_channels.join(', ')}` : decision.reason;
    const silenceId = decision.mode === 'silenced' && destinations.length > 0 ? decision.silenceId : null;

    if (!firstTouch) {
      const updated = await updateUnsentScanRows(
        trx,
        { scanId: this.scanId, ruleType: group.ruleType, ruleId: group.ruleId },
        {
          payload,
          violation_count: notification.count,
          updated_at: now,
          status,
          last_error: reason,
          silence_id: silenceId,
        },
      );
      // Held back by the count window until this batch: the rows are queued now.
      if (wasBelowCount && status === 'pending') result.queued += updated;
      // The notification now reports this batch too: the next one counts "since" from here.
      else if (current.state && updated > 0) {
        current.state = { ...current.state, lastSentAt: now };
        if (this.cooldowns.transactional) await this.cooldowns.set(trx, ruleKey, current.state);
        else result.afterCommit.push({ ruleKey, state: current.state });
      }
      return result;
    }

    const base = {
      rule_type: group.ruleType,
      rule_id: group.ruleId,
      app_name: group.app,
      message_key: group.messageKey,
      kind: 'alert' as const,
      attempts: 0,
      next_attempt_at: now,
      violation_count: notification.count,
      payload,
      created_at: now,
      updated_at: now,
      sent_at: null,
      scan_id: this.scanId,
      progress: null,
      status,
      last_error: reason,
      silence_id: silenceId,
    };
    const rows: Insertable<AlertLogTable>[] =
      destinations.length === 0
        ? [{ ...base, channel: channelListValue(rule.alert_channels), destination: '-', target_id: null }]
        : destinations.map((d) => ({ ...base, channel: d.channel, destination: d.address, target_id: d.targetId }));
    await insertAlertRows(trx, rows);
    result.queued = rows.filter((r) => r.status === 'pending').length;
    return result;
  }
}

function statusOf(decision: NoiseDecision): 'pending' | 'suppressed' | 'silenced' {
  if (decision.mode === 'notify') return 'pending';
  return decision.mode === 'silenced' ? 'silenced' : 'suppressed';
}

/**
 * The last violation id the rule's previous notification reported. Rows queued before
 * notifications named their violations: the last one recorded by the time it was queued.
 */
async function previousBoundary(trx: Kysely<Database>, group: RuleGroup, lastSentAt: number): Promise<number> {
  const last = await lastNotifiedViolationId(trx, group.ruleType, group.ruleId);
  if (last === 'none') return 0;
  if (last === 'unknown') return lastViolationIdRecordedBy(trx, group.ruleType, group.ruleId, lastSentAt);
  return last;
}
