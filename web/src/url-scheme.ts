import { PRESETS, type RangeChoice } from './time-range.js';

/**
 * Routes live in the URL fragment (`#/trace/<id>`), so the server serves one page at `/` and
 * alert links (`<PUBLIC_URL>/#/trace/<correlation_id>`) work under any path prefix.
 *
 * The whole view lives in the fragment too (DESIGN's scheme), so reload, back/forward and a
 * pasted link show the same thing: `#/<page>?range=1h` or `from=<ISO>&to=<ISO>`, plus `app`,
 * `key` (with `match=prefix|contains` for a key search; exact without), `rule` (`<kind>:<id>`:
 * `app:3`, `message:7`, `latency:12`, `absence:2`, `slo:5`: on the SLO page, the SLO shown open),
 * `id` (an incident), `kind` (a rule-kind filter), `page` (list page), `sort`, `status`, `entity`
 * and `actor` (the audit log's filters), `ids` (`<first>-<last>` violation ids: with `rule`, the
 * violations one notification reported), `level` (a violation list's level filter) and `zoom`
 * (the range before a chart zoomed in: `1h` or `<ISO>~<ISO>`; Reset returns to it).
 */
/** Every dashboard page, in the navigation's order (`#/` is the overview). */
export const PAGE_NAMES = [
  'overview',
  'violations',
  'trace',
  'incidents',
  'slos',
  'alerts',
  'rules',
  'targets',
  'silences',
  'server',
  'audit',
  'tokens',
] as const;

export type PageName = (typeof PAGE_NAMES)[number];

/**
 * A rule of any kind. The kind is taken as a name (lower case, digits, `_`), not from a fixed
 * list, so a link to a kind added later parses the same way; pages decide what they can show.
 */
export interface RuleRef {
  type: string;
  id: number;
}

/** The kinds whose rules judge one log at a time (their violations are listed). */
export const PER_LOG_KINDS = ['app', 'message'] as const;
export type PerLogRuleRef = { type: (typeof PER_LOG_KINDS)[number]; id: number };

export function isPerLogRule(rule: RuleRef | undefined): rule is PerLogRuleRef {
  return rule !== undefined && (PER_LOG_KINDS as readonly string[]).includes(rule.type);
}

export interface ViewParams {
  /** Absent: the last preset the browser used (see time-range.ts). */
  range?: RangeChoice;
  app?: string;
  key?: string;
  /** How `key` matches; absent: exactly. */
  keyMatch?: 'prefix' | 'contains';
  rule?: RuleRef;
  /** The incident shown on the Incidents page (`id` in the URL). */
  incidentId?: number;
  /** A list's rule-kind filter (`kind` in the URL): `latency`, `absence`. */
  ruleKind?: string;
  /** The list page, from 1 (`page` in the URL). */
  pageNumber?: number;
  /** A column name, `-` first for descending: `-time`, `duration`. */
  sort?: string;
  status?: string;
  /** The alert log's channel filter. */
  channel?: string;
  /** The silence form's duration, in minutes (`for=1h`, `30m`, `1d` in the URL: a chat's "Mute 1 h" link). */
  silenceMinutes?: number;
  /** The audit log's filters: the kind of thing changed (`rule`, `target`, …) and who changed it. */
  entity?: string;
  actor?: string;
  /** The violation list's log-level filter. */
  level?: string;
  /** The range before a chart zoomed in (`zoom` in the URL), so "Reset" can return to it. */
  zoomBase?: RangeChoice;
  /** Violation ids from `first` to `last` (`ids=1201-1371`): with the rule, one notification's violations. */
  violationIds?: ViolationIdRange;
}

export interface ViolationIdRange {
  first: number;
  last: number;
}

export type Route = ({ page: PageName; id?: string } | { page: 'not-found'; id?: undefined }) & ViewParams;

/** The pages a `#/<page>` path names (the overview is `#/`). */
const PAGES: ReadonlySet<string> = new Set(PAGE_NAMES.filter((page) => page !== 'overview'));

/** `15m`, `1h`, `6h`, `24h`, `7d` ↔ preset minutes. */
export function presetToken(minutes: number): string {
  if (minutes % 1440 === 0 && minutes >= 10080) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

function parsePreset(token: string): number | undefined {
  const match = /^(\d{1,5})([mhd])$/.exec(token);
  if (!match) return undefined;
  const minutes = Number(match[1]) * (match[2] === 'd' ? 1440 : match[2] === 'h' ? 60 : 1);
  return PRESETS.some((p) => p.minutes === minutes) ? minutes : undefined;
}

/** `30m`, `1h`, `1d` → minutes (at most a year), or undefined. */
function parseDuration(token: string | null): number | undefined {
  const match = /^(\d{1,6})([mhd])$/.exec(token ?? '');
  if (!match) return undefined;
  const minutes = Number(match[1]) * (match[2] === 'd' ? 1440 : match[2] === 'h' ? 60 : 1);
  return minutes >= 1 && minutes <= 525_600 ? minutes : undefined;
}

function parseDate(text: string | null): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function parseRange(query: URLSearchParams): RangeChoice | undefined {
  const from = parseDate(query.get('from'));
  const to = parseDate(query.get('to'));
  if (from && to && from < to) return { kind: 'custom', from, to };
  const minutes = parsePreset(query.get('range') ?? '');
  return minutes === undefined ? undefined : { kind: 'preset', minutes };
}

/** `1h` (a preset) or `<ISO>~<ISO>`. */
function parseZoomBase(text: string | null): RangeChoice | undefined {
  if (!text) return undefined;
  const [first, second] = text.split('~');
  if (second === undefined) {
    const minutes = parsePreset(first ?? '');
    return minutes === undefined ? undefined : { kind: 'preset', minutes };
  }
  const from = parseDate(first ?? null);
  const to = parseDate(second);
  return from && to && from < to ? { kind: 'custom', from, to } : undefined;
}

function zoomBaseToken(range: RangeChoice): string {
  return range.kind === 'preset' ? presetToken(range.minutes) : `${range.from.toISOString()}~${range.to.toISOString()}`;
}

function parseRule(text: string | null): RuleRef | undefined {
  const match = /^([a-z][a-z0-9_]{0,31}):(\d{1,15})$/.exec(text ?? '');
  if (!match) return undefined;
  const id = Number(match[2]);
  return id >= 1 ? { type: match[1]!, id } : undefined;
}

function parseId(text: string | null): number | undefined {
  if (!/^\d{1,15}$/.test(text ?? '')) return undefined;
  const id = Number(text);
  return id >= 1 ? id : undefined;
}

function parseIdRange(text: string | null): ViolationIdRange | undefined {
  const match = /^(\d{1,15})-(\d{1,15})$/.exec(text ?? '');
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  return first <= last ? { first, last } : undefined;
}

function parseView(query: URLSearchParams): ViewParams {
  const pageNumber = /^\d{1,9}$/.test(query.get('page') ?? '') ? Number(query.get('page')) : undefined;
  const view: ViewParams = {
    range: parseRange(query),
    app: query.get('app') || undefined,
    key: query.get('key') || undefined,
    keyMatch:
      query.get('match') === 'prefix' || query.get('match') === 'contains'
        ? (query.get('match') as 'prefix')
        : undefined,
    rule: parseRule(query.get('rule')),
    incidentId: parseId(query.get('id')),
    ruleKind: /^[a-z][a-z0-9_]{0,31}$/.test(query.get('kind') ?? '') ? query.get('kind')! : undefined,
    pageNumber: pageNumber && pageNumber > 1 ? pageNumber : undefined,
    sort: query.get('sort') || undefined,
    status: query.get('status') || undefined,
    channel: query.get('channel') || undefined,
    silenceMinutes: parseDuration(query.get('for')),
    entity: /^[a-z][a-z0-9_]{0,31}$/.test(query.get('entity') ?? '') ? query.get('entity')! : undefined,
    actor: query.get('actor') || undefined,
    level: query.get('level') || undefined,
    zoomBase: parseZoomBase(query.get('zoom')),
    violationIds: parseIdRange(query.get('ids')),
  };
  for (const name of Object.keys(view) as (keyof ViewParams)[]) if (view[name] === undefined) delete view[name];
  return view;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const split = text.indexOf('?');
  const pathPart = split < 0 ? text : text.slice(0, split);
  const query = new URLSearchParams(split < 0 ? '' : text.slice(split + 1));
  let segments: string[];
  try {
    segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { page: 'not-found' };
  }
  const view = parseView(query);
  const first = segments[0];
  if (first === undefined) return { page: 'overview', ...view };
  if (!PAGES.has(first)) return { page: 'not-found' };
  if (first === 'trace') {
    const id = segments.slice(1).join('/') || undefined;
    return id ? { page: 'trace', id, ...view } : { page: 'trace', ...view };
  }
  return { page: first as PageName, ...view };
}

export function viewQuery(view: ViewParams): URLSearchParams {
  const query = new URLSearchParams();
  if (view.range?.kind === 'custom') {
    query.set('from', view.range.from.toISOString());
    query.set('to', view.range.to.toISOString());
  } else if (view.range?.kind === 'preset') {
    query.set('range', presetToken(view.range.minutes));
  }
  if (view.app) query.set('app', view.app);
  if (view.key) query.set('key', view.key);
  if (view.key && view.keyMatch) query.set('match', view.keyMatch);
  if (view.rule) query.set('rule', `${view.rule.type}:${view.rule.id}`);
  if (view.incidentId) query.set('id', String(view.incidentId));
  if (view.ruleKind) query.set('kind', view.ruleKind);
  if (view.pageNumber && view.pageNumber > 1) query.set('page', String(view.pageNumber));
  if (view.sort) query.set('sort', view.sort);
  if (view.status) query.set('status', view.status);
  if (view.channel) query.set('channel', view.channel);
  if (view.silenceMinutes) query.set('for', presetToken(view.silenceMinutes));
  if (view.entity) query.set('entity', view.entity);
  if (view.actor) query.set('actor', view.actor);
  if (view.level) query.set('level', view.level);
  if (view.zoomBase) query.set('zoom', zoomBaseToken(view.zoomBase));
  if (view.violationIds) query.set('ids', `${view.violationIds.first}-${view.violationIds.last}`);
  return query;
}

export function href(route: Route): string {
  const query = viewQuery(route).toString();
  const suffix = query ? `?${query}` : '';
  switch (route.page) {
    case 'overview':
      return `#/${suffix}`;
    case 'not-found':
      return '#/';
    case 'trace':
      return `${route.id ? `#/trace/${encodeURIComponent(route.id)}` : '#/trace'}${suffix}`;
    default:
      return `#/${route.page}${suffix}`;
  }
}
