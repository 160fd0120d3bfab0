import { muteFormUrl } from '../../dashboard-link.js';
import type { AlertNotification, AlertSeverity } from '../../notification.js';
import { isHttpUrl } from '../../render/format.js';
import { gist, seriesKey } from '../../render/series-key.js';
import { summarize, TEXT_LIMITS } from '../../render/summary.js';
import { oneLine, truncate } from '../../render/text.js';

/** Events API v2 limits: the summary, and the dedup key. */
export const PAGERDUTY_SUMMARY_LIMIT = 1024;
export const PAGERDUTY_DEDUP_KEY_LIMIT = 255;
/** Severity when the notification names none. */
export const DEFAULT_SEVERITY: AlertSeverity = 'error';

export interface PagerDutyLink {
  href: string;
  text: string;
}

/** A `trigger` event. */
export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: AlertSeverity;
    timestamp: string;
    component?: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links: PagerDutyLink[];
  client: 'lagwatch';
  client_url?: string;
}

/** A `resolve` event: the key alone closes the incident its trigger opened. */
export interface PagerDutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTrigger | PagerDutyResolve;

/**
 * The incident a notification is about, as PagerDuty de-duplicates it: `lagwatch:<ruleType>:
 * <ruleId>` (plus a hash of the series for window kinds and self-alerts), the same for the
 * alert, every reminder and the resolution of one episode.
 */
export function pagerDutyDedupKey(n: AlertNotification): string {
  return seriesKey(n).slice(0, PAGERDUTY_DEDUP_KEY_LIMIT);
}

/**
 * A notification as an Events API v2 event: an alert or a reminder `trigger`s (PagerDuty folds
 * a trigger with an open incident's key into it), a resolved notification `resolve`s with the
 * same key. Log text goes only into JSON strings (escaped by JSON), cut to lagwatch's usual
 * bounds; the summary is at most 1024 characters.
 */
export function renderPagerDuty(n: AlertNotification, routingKey: string, now: number): PagerDutyEvent {
  const dedupKey = pagerDutyDedupKey(n);
  if (n.kind === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const g = gist(n);
  const s = summarize(n);
  const links: PagerDutyLink[] = [];
  if (isHttpUrl(n.dashboardUrl)) {
    links.push({
      href: n.dashboardUrl,
      text: n.incident ? 'Open the incident in lagwatch' : 'Open in the lagwatch dashboard',
    });
  }
  for (const { sample, correlationId } of s.samples.slice(0, 3)) {
    if (correlationId && isHttpUrl(sample.traceUrl))
      links.push({ href: sample.traceUrl, text: `Trace ${correlationId}` });
  }
  const mute = muteFormUrl(n.dashboardUrl, n.app, n.messageKey);
  if (mute) links.push({ href: mute, text: 'Mute 1 h in lagwatch' });
  const payload: PagerDutyTrigger['payload'] = {
    summary: truncate(oneLine(`[lagwatch] ${g.headline}`, PAGERDUTY_SUMMARY_LIMIT), PAGERDUTY_SUMMARY_LIMIT),
    source: s.app,
    severity: n.severity ?? DEFAULT_SEVERITY,
    timestamp: eventTime(n, now),
    group: s.app,
    class: `${oneLine(n.ruleType, 40) || 'rule'} rule`,
    custom_details: details(n, s, g.sentence),
  };
  if (s.messageKey !== null) payload.component = s.messageKey;
  const event: PagerDutyTrigger = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload,
    links,
    client: 'lagwatch',
  };
  const base = dashboardBase(n.dashboardUrl);
  if (base) event.client_url = base;
  return event;
}

/** When it happened in log time: the newest violation, or the end of the window judged. */
function eventTime(n: AlertNotification, now: number): string {
  const at = n.evaluation?.windowTo ?? n.lastAt;
  return new Date(Number.isFinite(at) && at > 0 ? at : now).toISOString();
}

function details(
  n: AlertNotification,
  s: ReturnType<typeof summarize>,
  sentence: string | undefined,
): Record<string, unknown> {
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  const out: Record<string, unknown> = { rule: `${n.ruleType}:${n.ruleId}`, app: s.app };
  if (s.messageKey !== null) out.message_key = s.messageKey;
  if (sentence !== undefined) out.sentence = sentence;
  if (n.incident) out.incident = { name: oneLine(n.incident.name, 191), event: n.incident.event, id: n.incident.id };
  if (n.evaluation) {
    out.evaluation = {
      ...n.evaluation,
      windowFrom: iso(n.evaluation.windowFrom),
      windowTo: iso(n.evaluation.windowTo),
    };
    return out;
  }
  if (sentence !== undefined) return out;
  Object.assign(out, {
    violations: s.countLine,
    count: n.count,
    since_last_alert: n.sinceLastAlert,
    threshold_ms: n.thresholdMs,
    worst_ms: n.worstMs,
    p95_ms: n.p95Ms,
    first_at: iso(n.firstAt),
    last_at: iso(n.lastAt),
    samples: s.samples.map(({ sample, correlationId, message }) => ({
      correlation_id: correlationId,
      duration_ms: sample.durationMs,
      time: iso(sample.time),
      message: message === null ? null : oneLine(message, TEXT_LIMITS.sampleMessage),
    })),
  });
  if (n.window) out.window = n.window;
  return out;
}

/** The dashboard's own address (client_url), from the notification's link. */
function dashboardBase(dashboardUrl: string): string | undefined {
  if (!isHttpUrl(dashboardUrl)) return undefined;
  const url = new URL(dashboardUrl);
  return `${url.origin}${url.pathname}`;
}

/** The event as a reader of the incident sees it, for previews. */
export function pagerDutyPlainText(event: PagerDutyEvent): string {
  if (event.event_action === 'resolve') return `PagerDuty resolve of incident ${event.dedup_key}`;
  const p = event.payload;
  const lines = [p.summary, '', `Severity: ${p.severity}`, `Source: ${p.source}`];
  if (p.component) lines.push(`Component: ${p.component}`);
  lines.push(`Incident key: ${event.dedup_key}`);
  for (const link of event.links) lines.push(`${link.text}: ${link.href}`);
  return lines.join('\n');
}
