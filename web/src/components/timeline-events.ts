import { api } from '../api/client.js';
import type { Alert, Silence, TimeRange } from '../api/types.js';
import { formatDateTime } from '../format.js';
import { type Resource, useResource } from '../state.js';
import type { ChartEvent } from './chart-events.js';

/** The newest this many of each are read; older ones fall outside any range a chart shows in practice. */
const NEWEST = 500;
/** How long before the range an alert sent in it may have been queued (retries with backoff). */
const RETRY_SLACK_MS = 86_400_000;

function silenceEvent(silence: Silence): ChartEvent {
  const scope = silence.message_key
    ? `${silence.app_name} · ${silence.message_key}`
    : `${silence.app_name} (whole app)`;
  return {
    kind: 'silence',
    at: Date.parse(silence.starts_at),
    until: Date.parse(silence.ends_at),
    title: `Silence #${silence.id}: ${scope}, ${formatDateTime(silence.starts_at)} – ${formatDateTime(silence.ends_at)}${silence.comment ? ` (${silence.comment})` : ''}`,
  };
}

function alertEvent(alert: Alert): ChartEvent {
  const at = Date.parse(alert.sent_at ?? alert.created_at);
  const scope = alert.message_key ? `${alert.app_name} · ${alert.message_key}` : alert.app_name;
  return {
    kind: 'alert',
    at,
    title: `Alert #${alert.id} sent ${formatDateTime(at)}: ${scope}, ${alert.violation_count} violation${alert.violation_count === 1 ? '' : 's'}, by ${alert.channel}`,
  };
}

/** Whether a silence or alert concerns what the chart shows: every app, one app, or one key of it. */
function concerns(item: { app_name: string; message_key: string | null }, app?: string, key?: string): boolean {
  if (app === undefined) return true;
  if (item.app_name !== app) return false;
  return key === undefined || item.message_key === null || item.message_key === key;
}

async function loadEvents(range: TimeRange, app: string | undefined, key: string | undefined, signal: AbortSignal) {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const [silences, alerts] = await Promise.all([
    api.silences.list({ per_page: NEWEST }, signal),
    // The log's range is by queueing time; a row sent in the range may have been queued (and retried) earlier.
    api.alerts(
      { status: 'sent', app_name: app, per_page: NEWEST },
      { from: new Date(from - RETRY_SLACK_MS), to: range.to },
      signal,
    ),
  ]);
  const events: ChartEvent[] = [];
  for (const silence of silences.items) {
    const event = silenceEvent(silence);
    if (event.at < to && (event.until ?? event.at) > from && concerns(silence, app, key)) events.push(event);
  }
  for (const alert of alerts.items) {
    const event = alertEvent(alert);
    if (event.at >= from && event.at < to && concerns(alert, app, key)) events.push(event);
  }
  return events;
}

/** Silences and sent alerts over the range, of every app or of one (and one key), as chart events. */
export function useTimelineEvents(app?: string, key?: string): Resource<ChartEvent[]> {
  // Refreshed when an alert is sent and as a preset range moves; a new silence shows on the next of those.
  return useResource((range, signal) => loadEvents(range, app, key, signal), [app, key], [], ['alerts', 'time']);
}

/**
 * The same over a chart's own time span (an incident's window, an SLO's period), not the page's
 * range; nothing is asked before the span is known.
 */
export function useTimelineEventsOver(
  span: { from: number; to: number } | undefined,
  app: string,
  key: string | undefined,
): Resource<ChartEvent[]> {
  return useResource(
    (_range, signal) =>
      span ? loadEvents({ from: new Date(span.from), to: new Date(span.to) }, app, key, signal) : Promise.resolve([]),
    [span?.from, span?.to, app, key],
    [],
    ['alerts'],
  );
}
