import type { AlertNotification } from '../notification.js';

/** Webhook sample messages are cut to this many characters (they are meant for machines too). */
export const WEBHOOK_MESSAGE_MAX_LENGTH = 2000;

/**
 * The JSON body lagwatch POSTs to a webhook. Stable: fields are only ever added; a change
 * that breaks readers would bump `version`. Times are ISO 8601 UTC, durations milliseconds.
 * Text from logs is passed as is (JSON-escaped), except that sample messages are cut to
 * WEBHOOK_MESSAGE_MAX_LENGTH characters.
 *
 * {
 *   "version": 1,
 *   "kind": "alert" | "resolved",
 *   "rule": { "type": "app" | "message", "id": 3 },
 *   "app": "checkout",
 *   "message_key": "POST /orders" | null,
 *   "count": 40,                 // every violation this alert reports: all since the rule's last one let through
 *   "since_last_alert": 40,      // the same (older rows: count held only the scan's)
 *   "threshold_ms": 500, "worst_ms": 2300, "p95_ms": 1900,
 *   "first_at": "2026-11-27T10:00:01.000Z", "last_at": "2026-11-27T10:04:59.000Z",
 *   "samples": [{ "correlation_id": "abc" | null, "duration_ms": 2300,
 *                 "time": "2026-11-27T10:02:03.000Z", "message": "..." | null, "trace_url": "..." | null }],
 *   "dashboard_url": "http://127.0.0.1:9501/...",
 *   "window": { "minutes": 10, "count": 5 } | null,          // the rule's count window
 *   "resolved": { "duration_minutes": 23, "violations": 41, "quiet_minutes": 10 } | null,
 *   // window kinds (latency, absence, slo) only:
 *   "incident_id": 7,
 *   "evaluation": { "statistic": "p95", "value": 1240, "threshold": 800, "unit": "ms", "samples": 412,
 *                   "window_from": "…", "window_to": "…", "baseline_value": null,
 *                   // slo only (statistic "burn_rate", unit "×", value the long window's rate):
 *                   "details": { "factor": 14.4, "long_minutes": 60, "short_minutes": 5, "long_rate": 15.2,
 *                                "short_rate": 18, "period_good": 99120, "period_bad": 880,
 *                                "budget_remaining_percent": -76, "budget_exhausted_at": "…" } },
 *   "text": "checkout POST /orders: p95 1,240 ms over the last 5 min > 800 ms (412 logs), firing since 10:04 UTC"
 * }
 */
export interface WebhookPayload {
  version: 1;
  kind: 'alert' | 'resolved';
  rule: { type: string; id: number };
  app: string;
  message_key: string | null;
  count: number;
  since_last_alert: number;
  threshold_ms: number;
  worst_ms: number;
  p95_ms: number;
  first_at: string;
  last_at: string;
  samples: Array<{
    correlation_id: string | null;
    duration_ms: number;
    time: string;
    message: string | null;
    trace_url: string | null;
  }>;
  dashboard_url: string;
  window: { minutes: number; count: number } | null;
  resolved: { duration_minutes: number; violations: number; quiet_minutes: number } | null;
  incident_id?: number;
  evaluation?: {
    statistic: string;
    value: number | null;
    threshold: number | null;
    unit: string;
    samples: number;
    window_from: string;
    window_to: string;
    baseline_value: number | null;
    details?: Record<string, number | string | null>;
  };
  text?: string;
}

export function renderWebhookPayload(n: AlertNotification): WebhookPayload {
  return {
    version: 1,
    kind: n.kind ?? 'alert',
    rule: { type: n.ruleType, id: n.ruleId },
    app: n.app,
    message_key: n.messageKey,
    count: n.count,
    since_last_alert: n.sinceLastAlert,
    threshold_ms: n.thresholdMs,
    worst_ms: n.worstMs,
    p95_ms: n.p95Ms,
    first_at: isoTime(n.firstAt),
    last_at: isoTime(n.lastAt),
    samples: n.samples.map((s) => ({
      correlation_id: s.correlationId,
      duration_ms: s.durationMs,
      time: isoTime(s.time),
      message: s.message === null ? null : cutMessage(s.message),
      trace_url: s.traceUrl,
    })),
    dashboard_url: n.dashboardUrl,
    window: n.window ? { minutes: n.window.minutes, count: n.window.count } : null,
    resolved: n.resolved
      ? {
          duration_minutes: n.resolved.durationMinutes,
          violations: n.resolved.violations,
          quiet_minutes: n.resolved.quietMinutes,
        }
      : null,
    ...(n.evaluation && n.incident
      ? {
          incident_id: n.incident.id,
          evaluation: {
            statistic: n.evaluation.statistic,
            value: n.evaluation.value,
            threshold: n.evaluation.threshold,
            unit: n.evaluation.unit,
            samples: n.evaluation.samples,
            window_from: isoTime(n.evaluation.windowFrom),
            window_to: isoTime(n.evaluation.windowTo),
            baseline_value: n.evaluation.baselineValue,
            ...(n.evaluation.details ? { details: n.evaluation.details } : {}),
          },
          ...(n.sentence !== undefined ? { text: n.sentence } : {}),
        }
      : {}),
  };
}

function isoTime(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

function cutMessage(message: string): string {
  if (message.length <= WEBHOOK_MESSAGE_MAX_LENGTH) return message;
  // Do not leave half a surrogate pair at the end: JSON.stringify would emit a lone \ud83d.
  let end = WEBHOOK_MESSAGE_MAX_LENGTH - 1;
  const last = message.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${message.slice(0, end)}…`;
}
