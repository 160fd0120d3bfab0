import type { ChannelType } from '../rules/types.js';

/** The rule type of self-alerts (src/self-monitoring): lagwatch telling about itself, not a rule. */
export const SELF_RULE_TYPE = 'self';

/** One violating log quoted in a notification. */
export interface ViolationSample {
  correlationId: string | null;
  durationMs: number;
  /** Epoch ms. */
  time: number;
  message: string | null;
  /** Link to the trace view on the dashboard, when the log has a correlation id. */
  traceUrl: string | null;
}

/**
 * A grouped alert for one rule and scan: what every channel renders. All text fields that
 * come from logs (app, messageKey, samples) are raw and must be escaped by the channel.
 */
export interface AlertNotification {
  /** `alert` (absent in rows written before kinds existed) or `resolved`. */
  kind?: NotificationKind;
  /** The rule's kind: app, message, latency, absence. */
  ruleType: string;
  ruleId: number;
  app: string;
  messageKey: string | null;
  thresholdMs: number;
  /**
   * Violations this notification reports: every violation of the rule since its last
   * notification that was let through (those held back by a cooldown, a count window or a
   * silence included). Worst, p95, the time span, the samples and the link cover the same set.
   */
  count: number;
  /** The same as `count` for rule alerts (kept for readers of older payloads and the webhook's field). */
  sinceLastAlert: number;
  /** Of them, the violations found by the scan that queued it (absent on older rows). */
  scanCount?: number;
  /** The smallest and largest violation id of the set (rule alerts; the link's `ids`). */
  violationIds?: { first: number; last: number };
  worstMs: number;
  p95Ms: number;
  /** Log time span of the violations, epoch ms. */
  firstAt: number;
  lastAt: number;
  /** A few of the worst violations. */
  samples: ViolationSample[];
  /** Link to the rule's violations on the dashboard. */
  dashboardUrl: string;
  /** The rule's count window, when it has one: `count` violations within the last `minutes` of log time. */
  window?: { minutes: number; count: number };
  /** Resolved notifications: how long the episode lasted and how many violations it had. */
  resolved?: ResolvedFacts;
  /** Window kinds: what the evaluation saw. */
  evaluation?: WindowEvaluation;
  /** Window kinds: the incident the notification is about. */
  incident?: IncidentFacts;
  /**
   * Window kinds: the kind's sentence ("checkout POST /orders: p95 1,240 ms over the last 5 min >
   * 800 ms (412 logs), firing since 10:04 UTC"); app and key in it come from logs, so channels
   * escape it like any log text.
   */
  sentence?: string;
  /**
   * How urgent the notification is, for channels that page (PagerDuty's `payload.severity`).
   * No rule sets it today; kinds may (an SLO kind: page → `critical`, warn → `warning`).
   * Absent means `error` for an alert.
   */
  severity?: AlertSeverity;
}

/** PagerDuty's severities, most urgent first. */
export const ALERT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** A window kind's evaluation, as notifications carry it (webhook: `evaluation`). */
export interface WindowEvaluation {
  statistic: string;
  value: number | null;
  threshold: number | null;
  /** `ms`, `%`, `logs` or `×` (a burn rate). */
  unit: string;
  samples: number;
  /** The window of log time judged, epoch ms. */
  windowFrom: number;
  windowTo: number;
  baselineValue: number | null;
  /** The kind's own figures (slo: factor, long_rate, short_rate, budget_remaining_percent, budget_exhausted_at). */
  details?: Record<string, number | string | null>;
}

export interface IncidentFacts {
  id: number;
  /** The rule's name. */
  name: string;
  /** `alert` (the first), `reminder` (while firing) or `resolved`. */
  event: 'alert' | 'reminder' | 'resolved';
  startedAt: number;
  resolvedAt: number | null;
}

export type NotificationKind = 'alert' | 'resolved';

export interface ResolvedFacts {
  /** From the first violation the alert reported to the last one, whole minutes (at least 1). */
  durationMinutes: number;
  /** Violations of the episode. */
  violations: number;
  /** Minutes of scanned log time without a violation that resolved it. */
  quietMinutes: number;
}

/** Where one copy of a notification goes. */
export interface Destination {
  channel: ChannelType;
  /** Chat id, email address or webhook URL. */
  address: string;
  /** The alert target row, or null for the TELEGRAM_CHAT_ID / TELEGRAM_GROUP_ID defaults. */
  targetId: number | null;
}
