import type { PerLogKind } from '../rules/types.js';
import type { RecordedViolation } from '../violations/violation-row.js';
import type { ViolationSetFigures } from '../violations/violation-store.js';
import { violationsUrl } from './dashboard-link.js';
import type { AlertNotification, ViolationSample } from './notification.js';

/** The worst few violations a notification quotes. */
export const SAMPLES = 3;

/** p-th percentile (nearest rank) of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1] as number;
}

/** The violations of one rule found so far in one scan. */
export class RuleGroup {
  private readonly durations: number[] = [];
  private samples: RecordedViolation[] = [];
  private firstAt = Number.POSITIVE_INFINITY;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly ruleType: PerLogKind,
    readonly ruleId: number,
    readonly app: string,
    readonly messageKey: string | null,
    readonly thresholdMs: number,
  ) {}

  add(violation: RecordedViolation): void {
    this.durations.push(violation.duration_ms);
    this.firstAt = Math.min(this.firstAt, violation.log_time);
    this.lastAt = Math.max(this.lastAt, violation.log_time);
    // Keep the worst few, preferring those with a correlation id (they link to a trace).
    this.samples.push(violation);
    this.samples.sort(
      (a, b) => Number(b.correlation_id !== null) - Number(a.correlation_id !== null) || b.duration_ms - a.duration_ms,
    );
    if (this.samples.length > SAMPLES) this.samples.length = SAMPLES;
  }

  get count(): number {
    return this.durations.length;
  }

  /** Log time of the oldest and the newest violation in the group. */
  get firstLogTime(): number {
    return this.firstAt;
  }

  get lastLogTime(): number {
    return this.lastAt;
  }

  /**
   * The notification of this group. With `set` (the rule's violations since its last
   * notification, read from the database) every figure, the samples and the link cover the set;
   * without it, only this scan's violations.
   */
  toNotification(sinceLastAlert: number, publicUrl: string, set?: ViolationSetFigures): AlertNotification {
    const sorted = [...this.durations].sort((a, b) => a - b);
    const sample = (v: RecordedViolation): ViolationSample => ({
      correlationId: v.correlation_id ?? null,
      durationMs: Number(v.duration_ms),
      time: Number(v.log_time),
      message: v.message ?? null,
      traceUrl: v.correlation_id ? `${publicUrl}/#/trace/${encodeURIComponent(v.correlation_id)}` : null,
    });
    const figures = set ?? {
      count: Math.max(sinceLastAlert, this.count),
      worstMs: sorted[sorted.length - 1] ?? 0,
      p95Ms: percentile(sorted, 95),
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      samples: this.samples,
    };
    return {
      ruleType: this.ruleType,
      ruleId: this.ruleId,
      app: this.app,
      messageKey: this.messageKey,
      thresholdMs: this.thresholdMs,
      count: set ? set.count : this.count,
      sinceLastAlert: figures.count,
      scanCount: this.count,
      ...(set ? { violationIds: { first: set.firstId, last: set.lastId } } : {}),
      worstMs: figures.worstMs,
      p95Ms: figures.p95Ms,
      firstAt: figures.firstAt,
      lastAt: figures.lastAt,
      samples: [...figures.samples].sort((a, b) => Number(b.duration_ms) - Number(a.duration_ms)).map(sample),
      dashboardUrl: violationsUrl(publicUrl, {
        ruleType: this.ruleType,
        ruleId: this.ruleId,
        app: this.app,
        messageKey: this.messageKey,
        firstAt: figures.firstAt,
        lastAt: figures.lastAt,
        ids: set ? { first: set.firstId, last: set.lastId } : undefined,
      }),
    };
  }
}

export const ruleKeyOf = (ruleType: string, ruleId: number): string => `${ruleType}:${ruleId}`;

/** Groups a scan's new violations by rule. */
export class ScanGroups {
  private readonly groups = new Map<string, RuleGroup>();

  /** Adds violations; returns the keys of the groups they touched. */
  add(violations: readonly RecordedViolation[]): Set<string> {
    const touched = new Set<string>();
    for (const v of violations) {
      const key = ruleKeyOf(v.rule_type, v.rule_id);
      let group = this.groups.get(key);
      if (!group) {
        group = new RuleGroup(
          v.rule_type,
          v.rule_id,
          v.app_name,
          v.rule_type === 'message' ? (v.message_key ?? null) : null,
          v.threshold_ms,
        );
        this.groups.set(key, group);
      }
      group.add(v);
      touched.add(key);
    }
    return touched;
  }

  get(key: string): RuleGroup | undefined {
    return this.groups.get(key);
  }

  get size(): number {
    return this.groups.size;
  }

  all(): RuleGroup[] {
    return [...this.groups.values()];
  }
}
