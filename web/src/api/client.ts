/**
 * The lagwatch API as the dashboard calls it: every path and parameter name lives here; the
 * answers are the server's own types (./types.ts), used as they come.
 */

import type { AuditEntry, AuditQuery, CreatedToken, TokenInput, TokenRow, Whoami } from './access-types.js';
import type { SloHistory, SloRule, SloRuleInput, SloStatus } from './slo-types.js';
import type {
  Alert,
  AlertPreview,
  AlertStatus,
  AppRule,
  AppSort,
  AppsPage,
  BreakdownDimension,
  Bucket,
  Channel,
  ChannelType,
  DashboardSettings,
  MessageRule,
  Overview,
  Page,
  Problem,
  RuleInput,
  RuleKind,
  ServerStatus,
  Silence,
  SilenceInput,
  SlowestTrace,
  Target,
  TargetInput,
  TargetTest,
  TimeRange,
  Timeseries,
  Trace,
  ViolationBreakdown,
  ViolationHistogram,
  ViolationPage,
  ViolationSort,
} from './types.js';
import type { AnyKindRule, Incident, IncidentDetail, IncidentQuery, RulePreview, WindowKind } from './window-types.js';

/** The filters the violation list and its histogram share. */
export interface ViolationQuery {
  app_name?: string;
  message_key?: string;
  key_match?: 'exact' | 'prefix' | 'contains';
  rule_type?: 'app' | 'message';
  rule_id?: number;
  /** The log's level, exactly as recorded. */
  level?: string;
  /** `<first>-<last>` violation ids: with the rule, the violations one notification reported. */
  ids?: string;
}

// ---- Errors and the token ----

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Problem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The messages of one field (`alert_channels` also matches `alert_channels.0`). */
  fieldErrors(field: string): string[] {
    return this.details.filter((d) => d.field === field || d.field.startsWith(`${field}.`)).map((d) => d.message);
  }
}

const TOKEN_KEY = 'lagwatch.token';
const authListeners = new Set<(reason: string | undefined) => void>();

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set(value: string) {
    sessionStorage.setItem(TOKEN_KEY, value);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** `reason`: the server's words for refusing the token (expired, revoked), when it gave any. */
export function notifyAuthRequired(reason?: string): void {
  for (const listener of authListeners) listener(reason);
}

/** Called whenever the API answers 401: the app then asks for a token. */
export function onAuthRequired(listener: (reason: string | undefined) => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

export function authHeaders(): Record<string, string> {
  const value = token.get();
  return value ? { authorization: `Bearer ${value}` } : {};
}

/** API paths are relative to the page, so the dashboard works under a path prefix too. */
export function apiUrl(path: string, query?: Record<string, string | number | undefined>): string {
  const url = new URL(path.replace(/^\//, ''), document.baseURI);
  url.hash = '';
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  return url.toString();
}

async function request<T>(
  method: string,
  path: string,
  options: { query?: Record<string, string | number | undefined>; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'lagwatch cannot be reached');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; details?: Problem[] } } | undefined)?.error;
    if (response.status === 401) notifyAuthRequired(error?.message);
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `${method} ${path} answered ${response.status}`,
      Array.isArray(error?.details) ? error.details : [],
    );
  }
  return (body as { data: T } | undefined)?.data as T;
}

const rangeQuery = (range: TimeRange) => ({ from: range.from.toISOString(), to: range.to.toISOString() });

export const api = {
  /** Figures of every app, or of `appName` only. */
  overview: (range: TimeRange, signal?: AbortSignal, appName?: string) =>
    request<Overview>('GET', '/dashboard/overview', { query: { ...rangeQuery(range), app_name: appName }, signal }),

  /** The whole time series answer: the buckets with their width and the range they cover. */
  series: (range: TimeRange, appName: string | undefined, signal?: AbortSignal) =>
    request<Timeseries>('GET', '/dashboard/timeseries', { query: { ...rangeQuery(range), app_name: appName }, signal }),

  async timeseries(range: TimeRange, appName: string | undefined, signal?: AbortSignal): Promise<Bucket[]> {
    const data = await request<{ buckets: Bucket[] }>('GET', '/dashboard/timeseries', {
      query: { ...rangeQuery(range), app_name: appName },
      signal,
    });
    return data.buckets;
  },

  /** One page of the apps of the range (`total`: all of them); `sort` as the API takes it (`-p95_ms`), else its default order. */
  apps: (range: TimeRange, signal?: AbortSignal, sort?: AppSort, page?: number, perPage?: number) =>
    request<AppsPage>('GET', '/dashboard/apps', {
      query: { ...rangeQuery(range), sort, page, per_page: perPage },
      signal,
    }),

  server: (signal?: AbortSignal) => request<ServerStatus>('GET', '/monitor/server', { signal }),

  trace: (correlationId: string, signal?: AbortSignal) =>
    request<Trace>('GET', '/monitor/trace', { query: { correlation_id: correlationId }, signal }),

  /** The correlation ids with the worst durations of the range, slowest first. */
  async slowestTraces(
    filter: { app_name?: string; limit?: number },
    range: TimeRange,
    signal?: AbortSignal,
  ): Promise<SlowestTrace[]> {
    const query = { ...rangeQuery(range), ...filter };
    return (await request<{ traces: SlowestTrace[] }>('GET', '/monitor/traces/slowest', { query, signal })).traces;
  },

  /** Violations of every app, of one app, of a rule, or of a message key (exact or a search), in `sort` order. */
  violations(
    filter: ViolationQuery & { page?: number; per_page?: number; sort?: ViolationSort },
    range: TimeRange,
    signal?: AbortSignal,
  ): Promise<ViolationPage> {
    const path = filter.message_key ? '/monitor/violation/by-message' : '/monitor/violation/by-app';
    const query = { ...rangeQuery(range), ...filter, key_match: filter.message_key ? filter.key_match : undefined };
    return request<ViolationPage>('GET', path, { query, signal });
  },

  /** The same filter's violations per time bucket over the range. */
  violationHistogram: (filter: ViolationQuery, range: TimeRange, signal?: AbortSignal) =>
    request<ViolationHistogram>('GET', '/monitor/violation/histogram', {
      query: { ...rangeQuery(range), ...filter, key_match: filter.message_key ? filter.key_match : undefined },
      signal,
    }),

  /** The same filter's violations counted per message key, rule or level: the largest `limit` groups. */
  violationBreakdown: (
    filter: ViolationQuery,
    by: BreakdownDimension,
    limit: number,
    range: TimeRange,
    signal?: AbortSignal,
  ) =>
    request<ViolationBreakdown>('GET', '/monitor/violation/breakdown', {
      query: {
        ...rangeQuery(range),
        ...filter,
        key_match: filter.message_key ? filter.key_match : undefined,
        by,
        limit,
      },
      signal,
    }),

  dashboardSettings: (signal?: AbortSignal) =>
    request<DashboardSettings>('GET', '/monitor/dashboard-settings', { signal }),

  /** The alert log: the rows queued in the range, newest first. */
  alerts: (
    filter: { status?: AlertStatus; app_name?: string; channel?: ChannelType; page?: number; per_page?: number },
    range: TimeRange,
    signal?: AbortSignal,
  ) => request<Page<Alert>>('GET', '/alerts', { query: { ...rangeQuery(range), ...filter }, signal }),

  alertPreview: (id: number, signal?: AbortSignal) => request<AlertPreview>('GET', `/alerts/${id}/preview`, { signal }),

  /** The app rule of one app (an app has at most one), or undefined. */
  async appRuleOf(appName: string, signal?: AbortSignal): Promise<AppRule | undefined> {
    const page = await request<Page<AppRule>>('GET', '/rules/app', {
      query: { app_name: appName, per_page: 1 },
      signal,
    });
    return page.items[0];
  },

  rules: {
    list: <K extends RuleKind>(kind: K, signal?: AbortSignal) =>
      request<Page<K extends 'message' ? MessageRule : AppRule>>('GET', `/rules/${kind}`, {
        query: { per_page: 500 },
        signal,
      }),
    create: (kind: RuleKind, input: RuleInput) => request<AppRule>('POST', `/rules/${kind}`, { body: input }),
    update: (kind: RuleKind, id: number, input: Partial<RuleInput>) =>
      request<AppRule>('PUT', `/rules/${kind}/${id}`, { body: input }),
    remove: (kind: RuleKind, id: number) => request<unknown>('DELETE', `/rules/${kind}/${id}`),
  },

  /** Rules of the window kinds (latency, absence): the same collection paths, their own shapes. */
  windowRules: {
    list: <T>(kind: WindowKind, signal?: AbortSignal) =>
      request<Page<T>>('GET', `/rules/${kind}`, { query: { per_page: 500 }, signal }),
    create: <T>(kind: WindowKind, input: unknown) => request<T>('POST', `/rules/${kind}`, { body: input }),
    update: <T>(kind: WindowKind, id: number, input: unknown) =>
      request<T>('PUT', `/rules/${kind}/${id}`, { body: input }),
    remove: (kind: WindowKind, id: number) => request<unknown>('DELETE', `/rules/${kind}/${id}`),
    /** What the unsaved rule would see right now. */
    preview: (kind: WindowKind, input: unknown, signal?: AbortSignal) =>
      request<RulePreview>('POST', `/rules/${kind}/preview`, { body: input, signal }),
  },

  /** Service level objectives (the `slo` kind): the rules, their figures now and over their period. */
  slos: {
    list: (signal?: AbortSignal) => request<Page<SloRule>>('GET', '/rules/slo', { query: { per_page: 500 }, signal }),
    create: (input: SloRuleInput | object) => request<SloRule>('POST', '/rules/slo', { body: input }),
    update: (id: number, input: Partial<SloRuleInput> | object) =>
      request<SloRule>('PUT', `/rules/slo/${id}`, { body: input }),
    remove: (id: number) => request<unknown>('DELETE', `/rules/slo/${id}`),
    status: (id: number, signal?: AbortSignal) => request<SloStatus>('GET', `/rules/slo/${id}/status`, { signal }),
    history: (id: number, points: number, signal?: AbortSignal) =>
      request<SloHistory>('GET', `/rules/slo/${id}/history`, { query: { points }, signal }),
  },

  /** Every rule of every kind, each with its `kind`. */
  allRules: (filter: { kind?: string; app_name?: string }, signal?: AbortSignal) =>
    request<Page<AnyKindRule>>('GET', '/rules', { query: { ...filter, per_page: 500 }, signal }),

  incidents: {
    list: (filter: IncidentQuery, signal?: AbortSignal) =>
      request<Page<Incident>>('GET', '/incidents', { query: { ...filter }, signal }),
    get: (id: number, signal?: AbortSignal) => request<IncidentDetail>('GET', `/incidents/${id}`, { signal }),
  },

  /** Every channel type, from the server's channel registry, in its order. */
  channels: {
    list: (signal?: AbortSignal) => request<Channel[]>('GET', '/channels', { signal }),
  },

  targets: {
    list: (signal?: AbortSignal) => request<Page<Target>>('GET', '/targets', { query: { per_page: 500 }, signal }),
    create: (input: TargetInput) => request<Target>('POST', '/targets', { body: input }),
    update: (id: number, input: Partial<TargetInput>) => request<Target>('PUT', `/targets/${id}`, { body: input }),
    remove: (id: number) => request<unknown>('DELETE', `/targets/${id}`),
    /** Sends the test notification now; a failed send is an answer too (`ok: false`, `reply`). */
    test: (id: number) => request<TargetTest>('POST', `/targets/${id}/test`),
  },

  silences: {
    list: (filter: { active?: boolean; page?: number; per_page?: number }, signal?: AbortSignal) =>
      request<Page<Silence>>('GET', '/silences', {
        query: {
          active: filter.active === undefined ? undefined : String(filter.active),
          page: filter.page,
          per_page: filter.per_page,
        },
        signal,
      }),
    get: (id: number, signal?: AbortSignal) => request<Silence>('GET', `/silences/${id}`, { signal }),
    create: (input: SilenceInput) =>
      request<Silence>('POST', '/silences', { body: { ...input, created_by: 'dashboard' } }),
    expire: (id: number) => request<Silence>('DELETE', `/silences/${id}`),
  },

  /** Who this tab's token is and what it may do. */
  whoami: (signal?: AbortSignal) => request<Whoami>('GET', '/whoami', { signal }),

  tokens: {
    list: (filter: { page?: number; per_page?: number }, signal?: AbortSignal) =>
      request<Page<TokenRow>>('GET', '/tokens', { query: filter, signal }),
    /** The answer holds the secret: the only time it is shown. */
    create: (input: TokenInput) => request<CreatedToken>('POST', '/tokens', { body: input }),
    revoke: (id: number) => request<unknown>('DELETE', `/tokens/${id}`),
  },

  /** Changes to rules, targets, silences and tokens, newest first. */
  audit: (filter: AuditQuery, signal?: AbortSignal) =>
    request<Page<AuditEntry>>('GET', '/audit', { query: { ...filter }, signal }),
};
