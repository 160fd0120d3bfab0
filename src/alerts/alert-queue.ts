import type { Insertable, Kysely } from 'kysely';
import type { AlertLogTable, Database } from '../db/schema.js';
import type { Rule } from '../rules/types.js';
import { countRecordedSince } from '../violations/violation-store.js';
import { insertAlertRows, updateUnsentScanRows } from './alert-log.js';
import { type CooldownState, type CooldownStore, isCoolingDown } from './cooldown.js';
import { type RuleGroup, ruleKeyOf } from './grouping.js';
import type { Destination } from './notification.js';

interface RuleDecision {
  mode: 'notify' | 'suppressed';
  /** When the notification before this scan's was queued (0 when never). */
  previousSentAt: number;
  /** The cooldown this scan's notification wrote (notify mode only). */
  state?: CooldownState;
}

export interface QueueResult {
  /** Alert log rows written (new) in this call. */
  queued: number;
  /** Cooldown writes to make after the transaction commits (Redis store). */
  afterCommit: { ruleKey: string; state: CooldownState }[];
}

/**
 * Turns a scan's rule groups into alert log rows, inside the batch transaction: one pending
 * row per destination, or suppressed rows while the rule is in cooldown. Later batches of the
 * same scan update the rows they already wrote (while none of them has been attempted), so a
 * scan sends one grouped notification per rule and target.
 */
export class AlertQueue {
  private readonly decisions = new Map<string, RuleDecision>();

  constructor(
    private readonly scanId: number,
    private readonly cooldowns: CooldownStore,
    private readonly publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async queue(trx: Kysely<Database>, group: RuleGroup, rule: Rule, destinations: Destination[]): Promise<QueueResult> {
    const ruleKey = ruleKeyOf(group.ruleType, group.ruleId);
    const now = this.now();
    const result: QueueResult = { queued: 0, afterCommit: [] };
    let decision = this.decisions.get(ruleKey);
    const firstTouch = decision === undefined;
    if (!decision) {
      const cooldown = await this.cooldowns.get(trx, ruleKey);
      const inCooldown = isCoolingDown(cooldown, now);
      decision = { mode: inCooldown ? 'suppressed' : 'notify', previousSentAt: cooldown?.lastSentAt ?? 0 };
      this.decisions.set(ruleKey, decision);
      if (!inCooldown) {
        const state = { lastSentAt: now, until: now + rule.cooldown_minutes * 60_000 };
        decision.state = state;
        if (this.cooldowns.transactional) await this.cooldowns.set(trx, ruleKey, state);
        else result.afterCommit.push({ ruleKey, state });
      }
    }

    const since = await countRecordedSince(trx, group.ruleType, group.ruleId, decision.previousSentAt);
    const notification = group.toNotification(since, this.publicUrl);
    const payload = JSON.stringify(notification);

    if (!firstTouch) {
      const updated = await updateUnsentScanRows(
        trx,
        { scanId: this.scanId, ruleType: group.ruleType, ruleId: group.ruleId },
        { payload, violation_count: group.count, updated_at: now },
      );
      // The notification now reports this batch too: the next one counts "since" from here.
      if (decision.state && updated > 0) {
        decision.state = { ...decision.state, lastSentAt: now };
        if (this.cooldowns.transactional) await this.cooldowns.set(trx, ruleKey, decision.state);
        else result.afterCommit.push({ ruleKey, state: decision.state });
      }
      return result;
    }

    const base = {
      rule_type: group.ruleType,
      rule_id: group.ruleId,
      app_name: group.app,
      message_key: group.messageKey,
      attempts: 0,
      next_attempt_at: now,
      violation_count: group.count,
      payload,
      created_at: now,
      updated_at: now,
      sent_at: null,
      scan_id: this.scanId,
      progress: null,
    };
    let rows: Insertable<AlertLogTable>[];
    if (destinations.length === 0) {
      rows = [
        {
          ...base,
          channel: rule.alert_channels.join(',').slice(0, 32),
          destination: '-',
          target_id: null,
          status: 'suppressed',
          last_error: `no active target for ${rule.alert_channels.join(', ')}`,
        },
      ];
    } else {
      rows = destinations.map((d) => ({
        ...base,
        channel: d.channel,
        destination: d.address,
        target_id: d.targetId,
        status: decision.mode === 'notify' ? ('pending' as const) : ('suppressed' as const),
        last_error: decision.mode === 'notify' ? null : 'in cooldown',
      }));
    }
    await insertAlertRows(trx, rows);
    result.queued = rows.filter((r) => r.status === 'pending').length;
    return result;
  }
}
