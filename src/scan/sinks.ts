import type { Kysely } from 'kysely';
import { AlertQueue, type QueueResult } from '../alerts/alert-queue.js';
import { type CooldownStore, isCoolingDown } from '../alerts/cooldown.js';
import { ruleKeyOf, ScanGroups } from '../alerts/grouping.js';
import { type ActiveSilences, countInWindow, noiseDecision } from '../alerts/noise-decision.js';
import type { Destination } from '../alerts/notification.js';
import { queueResolvedNotifications } from '../alerts/resolution.js';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../events/bus.js';
import { isoTime } from '../logs/iso-time.js';
import type { ScanBatch, ScanRequest } from '../logs/source.js';
import type { RuleMatcher } from '../rules/matcher.js';
import type { Rule } from '../rules/types.js';
import type { RecordedViolation } from '../violations/violation-row.js';
import { recordNewViolations, unrecordedViolations } from '../violations/violation-store.js';
import { readCheckpoint, saveCheckpoint } from './checkpoints.js';
import { rememberCandidates } from './recorded-candidates.js';
import type { DryRunAlert, ScanReport } from './scan-report.js';

/** What one run scans with: its rules by key, where each active rule's alerts go, the source request. */
export interface ScanPlan {
  sourceKey: string;
  matcher: RuleMatcher;
  rules: ReadonlyMap<string, Rule>;
  destinations: ReadonlyMap<string, Destination[]>;
  request: ScanRequest;
  /** Only violations of these rules count (a new rule's look back); undefined: every rule. */
  onlyRules?: ReadonlySet<string>;
}

/**
 * Where the scan pipeline hands each batch's judged violations: a real run records them
 * (RecordingSink), a dry run only reports them (ReportingSink). Both see the same batches, the
 * same de-duplication and the same grouping.
 */
export interface BatchSink {
  /** Throws to stop the run before the next batch (shutdown, lease lost). */
  continueOrThrow?(): void;
  /** Takes one batch; answers how many of its violations are new. */
  take(plan: ScanPlan, batch: ScanBatch, rows: RecordedViolation[]): Promise<number>;
  /** After the last batch of a pass. */
  finish?(plan: ScanPlan): Promise<void>;
}

const EVENTS_PER_BATCH = 50;

export interface RecordingSinkOptions {
  db: Kysely<Database>;
  cooldowns: CooldownStore;
  silences: ActiveSilences;
  events: EventBus;
  publicUrl: string;
  /** The cron log id of the run: its alert log rows carry it. */
  scanId: number;
  now: () => number;
  /** Counts the alerts queued. */
  report: ScanReport;
  continueOrThrow: () => void;
}

/**
 * Per batch, in one transaction: record the new violations, queue their grouped notifications
 * (count window, silence and cooldown decide, see alerts/noise-decision.ts) and advance the
 * checkpoint with the candidates the next scan would re-read (checkpoint runs only, see
 * recorded-candidates.ts); then write Redis cooldowns and announce the violations.
 * After a checkpoint run's last batch: queue the resolved notifications its log time allows.
 */
export class RecordingSink implements BatchSink {
  private readonly groups = new ScanGroups();
  private readonly queue: AlertQueue;

  constructor(private readonly options: RecordingSinkOptions) {
    this.queue = new AlertQueue(options.scanId, options.cooldowns, options.publicUrl, options.silences, options.now);
  }

  continueOrThrow(): void {
    this.options.continueOrThrow();
  }

  async take(plan: ScanPlan, batch: ScanBatch, rows: RecordedViolation[]): Promise<number> {
    const { db, cooldowns, report } = this.options;
    const now = this.options.now();
    const afterCommit: QueueResult['afterCommit'] = [];
    let fresh: RecordedViolation[] = [];
    await db.transaction().execute(async (trx) => {
      fresh = await recordNewViolations(trx, rows);
      for (const key of this.groups.add(fresh)) {
        const group = this.groups.get(key);
        const rule = plan.rules.get(key);
        if (!group || !rule) continue;
        const result = await this.queue.queue(trx, group, rule, plan.destinations.get(key) ?? []);
        report.alertsQueued += result.queued;
        afterCommit.push(...result.afterCommit);
      }
      if (plan.request.mode === 'checkpoint') {
        await saveCheckpoint(trx, {
          source_key: plan.sourceKey,
          cursor: batch.cursor,
          watermark: batch.watermark,
          updated_at: now,
        });
        if (batch.remember) await rememberCandidates(trx, plan.sourceKey, batch.remember);
      }
    });
    for (const write of afterCommit) await cooldowns.set(db, write.ruleKey, write.state);
    this.publish(fresh);
    return fresh.length;
  }

  /** Closes the alert episodes the scanned log time has resolved (see alerts/resolution.ts). */
  async finish(plan: ScanPlan): Promise<void> {
    if (plan.request.mode !== 'checkpoint') return;
    const { db, report, scanId, publicUrl, silences } = this.options;
    report.alertsQueued += await db.transaction().execute(async (trx) => {
      const checkpoint = await readCheckpoint(trx, plan.sourceKey);
      if (!checkpoint) return 0;
      return queueResolvedNotifications(trx, {
        rules: plan.rules,
        destinations: plan.destinations,
        watermark: checkpoint.watermark,
        scanId,
        publicUrl,
        silences,
        now: this.options.now(),
      });
    });
  }

  private publish(fresh: RecordedViolation[]): void {
    for (const v of fresh.slice(0, EVENTS_PER_BATCH)) {
      this.options.events.publish({
        type: 'violation',
        data: {
          rule_type: v.rule_type,
          rule_id: v.rule_id,
          app_name: v.app_name,
          message_key: v.message_key ?? null,
          duration_ms: v.duration_ms,
          threshold_ms: v.threshold_ms,
          log_time: isoTime(v.log_time),
          correlation_id: v.correlation_id ?? null,
        },
      });
    }
  }
}

/** Groups the violations not recorded yet and, at the end, tells what a real run would queue. */
export class ReportingSink implements BatchSink {
  private readonly groups = new ScanGroups();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly silences: ActiveSilences,
  ) {}

  async take(_plan: ScanPlan, _batch: ScanBatch, rows: RecordedViolation[]): Promise<number> {
    const fresh = await unrecordedViolations(this.db, rows);
    this.groups.add(fresh);
    return fresh.length;
  }

  /**
   * One entry per rule with new violations: its destinations, whether its cooldown holds it
   * back, and what a real scan would hold it back by (count window, silence, cooldown).
   */
  async wouldAlert(plan: ScanPlan, cooldowns: CooldownStore, now: number): Promise<DryRunAlert[]> {
    const alerts: DryRunAlert[] = [];
    for (const group of this.groups.all()) {
      const key = ruleKeyOf(group.ruleType, group.ruleId);
      const rule = plan.rules.get(key);
      if (!rule) continue;
      const cooldown = await cooldowns.get(this.db, key);
      // The group's violations are not recorded in a dry run: add them to the window's count.
      const window = rule.window_minutes > 0 ? await countInWindow(this.db, group, rule.window_minutes) : undefined;
      if (window) window.count += group.count;
      const decision = await noiseDecision({ rule, group, window, cooldown, now }, (app, messageKey) =>
        this.silences.activeFor(this.db, app, messageKey, now),
      );
      alerts.push({
        rule_type: group.ruleType,
        rule_id: group.ruleId,
        app_name: group.app,
        message_key: group.messageKey,
        violations: group.count,
        in_cooldown: isCoolingDown(cooldown, now),
        held_back: decision.reason,
        destinations: plan.destinations.get(key) ?? [],
      });
    }
    return alerts;
  }
}
