import { violationIdsOf } from './alert-log.js';

/** What a notification's dashboard link names: its rule and the log times of its violations. */
export interface ViolationsLink {
  ruleType: string;
  ruleId: number;
  app: string;
  /** The message rule's key (ignored for app rules: the rule alone names their violations). */
  messageKey: string | null;
  /** Log time of the oldest and the newest violation reported, epoch ms. */
  firstAt: number;
  lastAt: number;
  /** The smallest and largest violation id of the notification's set (absent on older rows). */
  ids?: { first: number; last: number };
}

/**
 * The dashboard's route for exactly the violations a notification reported (DESIGN's URL scheme):
 * `#/violations?from=<first>&to=<last + 1 ms>&app=..&key=..&rule=<type>:<id>&ids=<first>-<last>`.
 * The range is half-open [from, to) to the millisecond, so the oldest and the newest reported
 * violation are in; `ids` (violation ids, with the rule) keeps out violations of the same rule
 * with log times inside that span that an earlier notification reported.
 */
export function violationsUrl(publicUrl: string, link: ViolationsLink): string {
  const build = (withKey: boolean) => {
    const query = new URLSearchParams();
    if (Number.isFinite(link.firstAt) && Number.isFinite(link.lastAt) && link.lastAt >= link.firstAt) {
      query.set('from', new Date(link.firstAt).toISOString());
      query.set('to', new Date(link.lastAt + 1).toISOString());
    }
    query.set('app', link.app);
    if (withKey && link.ruleType === 'message' && link.messageKey !== null) query.set('key', link.messageKey);
    query.set('rule', `${link.ruleType}:${link.ruleId}`);
    if (link.ids) query.set('ids', `${link.ids.first}-${link.ids.last}`);
    return `${publicUrl}/#/violations?${readable(query)}`;
  };
  // The rule alone names the same violations; a huge encoded key would make templates drop the link.
  const full = build(true);
  return full.length <= LINK_BUDGET ? full : build(false);
}

/** `:` and `/` are plain in a URL fragment: times and keys stay readable in a message. */
const readable = (query: URLSearchParams) => query.toString().replace(/%3A/gi, ':').replace(/%2F/gi, '/');

/** The longest link the templates keep (render/format.ts MAX_LINK_LENGTH). */
const LINK_BUDGET = 1000;

/** The fields of an alert log row the link needs; `payload` is the notification as queued (JSON). */
export interface AlertRowForLink {
  rule_type: string;
  rule_id: number | string;
  app_name: string;
  message_key: string | null;
  payload: string;
}

/**
 * The dashboard link of an alert log row: the same link its notification carried, rebuilt from
 * the row (rows queued before links carried a window still get the rule and the window).
 */
export function alertRowDashboardUrl(publicUrl: string, row: AlertRowForLink): string {
  let span: { firstAt?: unknown; lastAt?: unknown; incident?: unknown } = {};
  try {
    span = (JSON.parse(row.payload) as typeof span | null) ?? {};
  } catch {
    // an unreadable payload: the link names the rule without a window
  }
  // A window kind's notification links to its incident: the link it carried, as queued.
  const carried = (span as { dashboardUrl?: unknown }).dashboardUrl;
  if (span.incident && typeof carried === 'string' && carried.startsWith(`${publicUrl}/#/incidents?`)) return carried;
  // A self-alert (src/self-monitoring) is about lagwatch, not a rule's violations: the link it carried.
  if (row.rule_type === 'self' && typeof carried === 'string' && carried.startsWith(`${publicUrl}/`)) return carried;
  const time = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN);
  const ids = violationIdsOf(row.payload);
  return violationsUrl(publicUrl, {
    ids,
    ruleType: row.rule_type,
    ruleId: Number(row.rule_id),
    app: row.app_name,
    messageKey: row.message_key,
    firstAt: time(span.firstAt),
    lastAt: time(span.lastAt),
  });
}

/** What a window kind's notification links to: its incident. */
export interface IncidentLink {
  incidentId: number;
  ruleType: string;
  ruleId: number;
  /** When the incident started firing, epoch ms (the link starts an hour before). */
  startedAt: number;
  /** When it resolved, or the time of the notification. */
  until: number;
}

/** `#/incidents?id=<incident>&rule=<kind>:<id>&from=<an hour before the start>&to=<resolved or now>`. */
export function incidentUrl(publicUrl: string, link: IncidentLink): string {
  const query = new URLSearchParams();
  query.set('id', String(link.incidentId));
  query.set('rule', `${link.ruleType}:${link.ruleId}`);
  if (Number.isFinite(link.startedAt) && Number.isFinite(link.until)) {
    query.set('from', new Date(link.startedAt - 3_600_000).toISOString());
    query.set('to', new Date(Math.max(link.until, link.startedAt) + 1).toISOString());
  }
  return `${publicUrl}/#/incidents?${readable(query)}`;
}

/**
 * The dashboard's silence form, pre-filled to mute a notification's app (and key) for an hour:
 * `<dashboard>/#/silences?app=..&key=..&for=1h`. Chat channels without buttons carry it as their
 * "Mute 1 h" link; the form still asks before anything is muted. Built from the notification's
 * own dashboard link so it needs no configuration; undefined when that is not an http(s) URL.
 */
export function muteFormUrl(dashboardUrl: string, app: string, messageKey: string | null): string | undefined {
  let base: URL;
  try {
    base = new URL(dashboardUrl);
  } catch {
    return undefined;
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return undefined;
  const query = new URLSearchParams({ app });
  if (messageKey !== null) query.set('key', messageKey);
  query.set('for', '1h');
  const url = `${base.origin}${base.pathname}#/silences?${readable(query)}`;
  return url.length <= LINK_BUDGET ? url : undefined;
}
