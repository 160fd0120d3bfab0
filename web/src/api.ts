/**
 * The lagwatch API as the dashboard uses it: every path, parameter and field name lives in this
 * file, so a rename on the server side is one edit here.
 */

// ---- Types of what the API answers (after normalisation) ----

export type ChannelType = 'telegram_chat' | 'telegram_group' | 'email' | 'webhook';
export const CHANNEL_TYPES: readonly ChannelType[] = ['telegram_chat', 'telegram_group', 'email', 'webhook'];

export interface Problem {
  field: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
}

export interface Overview {
  total_logs: number;
  active_apps: { total: number; apps: string[] };
  violations: { total: number; by_type: { app: number; message: number }; violation_rate: number };
  avg_duration: { overall_ms: number | null; by_app: { app_name: string; avg_ms: number | null; count: number }[] };
  log_level_distribution: { level: string; count: number }[];
}

export interface Bucket {
  /** Bucket start, epoch ms. */
  time: number;
  logs: number;
  avg_ms: number | null;
  p95_ms: number | null;
  violations: number;
}

export interface KeyStats {
  message_key: string;
  logs: number;
  avg_ms: number | null;
  p95_ms: number | null;
  max_ms: number | null;
}

export interface AppStats {
  app_name: string;
  logs: number;
  avg_ms: number | null;
  p95_ms: number | null;
  max_ms: number | null;
  violations: number;
  violation_rate: number;
  slowest_keys: KeyStats[];
}

export interface TraceLog {
  time: number;
  app_name: string | null;
  message_key: string | null;
  duration_ms: number | null;
  level: string | null;
  message: string | null;
  /** Since the first log of the trace, ms. */
  offset_ms: number;
  /** Since the previous log, ms (0 for the first). */
  gap_ms: number;
}

export interface Violation {
  id: number;
  rule_type: 'app' | 'message';
  rule_id: number;
  app_name: string;
  message_key: string | null;
  duration_ms: number;
  threshold_ms: number;
  log_time: number;
  correlation_id: string | null;
  level: string | null;
  message: string | null;
}

export type AlertStatus = 'pending' | 'sent' | 'failed' | 'suppressed';

export interface Alert {
  id: number;
  rule_type: 'app' | 'message';
  rule_id: number;
  app_name: string;
  message_key: string | null;
  channel: string;
  destination: string;
  status: AlertStatus;
  attempts: number;
  last_error: string | null;
  violation_count: number;
  created_at: string;
  sent_at: string | null;
}

export interface AppRule {
  id: number;
  app_name: string;
  max_duration: number;
  is_active: boolean;
  alert_channels: ChannelType[];
  cooldown_minutes: number;
  created_at: string;
  updated_at: string;
}

export interface MessageRule extends AppRule {
  message_key: string;
}

export type RuleKind = 'app' | 'message';

export interface RuleInput {
  app_name: string;
  message_key?: string;
  max_duration: number;
  is_active: boolean;
  alert_channels: ChannelType[];
  cooldown_minutes: number;
}

export interface Target {
  id: number;
  name: string;
  type: ChannelType;
  external_id: string;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

export interface TargetInput {
  name: string;
  type: ChannelType;
  external_id: string;
  is_active: boolean;
}

/** `/monitor/server`: shown mostly as is; these are the parts the header reads. */
export type ServerStatus = Record<string, unknown>;

export interface TimeRange {
  from: Date;
  to: Date;
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
const authListeners = new Set<() => void>();

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set(value: string) {
    sessionStorage.setItem(TOKEN_KEY, value);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

function notifyAuthRequired(): void {
  for (const listener of authListeners) listener();
}

/** Called whenever the API answers 401: the app then asks for a token. */
export function onAuthRequired(listener: () => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

function authHeaders(): Record<string, string> {
  const value = token.get();
  return value ? { authorization: `Bearer ${value}` } : {};
}

/** API paths are relative to the page, so the dashboard works under a path prefix too. */
function apiUrl(path: string, query?: Record<string, string | number | undefined>): string {
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
  if (response.status === 401) notifyAuthRequired();
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; details?: Problem[] } } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `${method} ${path} answered ${response.status}`,
      Array.isArray(error?.details) ? error.details : [],
    );
  }
  return (body as { data: T } | undefined)?.data as T;
}

// ---- Normalisation: tolerant of the few places where the server's shapes may still move ----

type Row = Record<string, unknown>;

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0) || 0);
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined || Number.isNaN(Number(value)) ? null : Number(value);
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const timeOf = (value: unknown): number => (typeof value === 'number' ? value : Date.parse(String(value)));
const first = (row: Row, ...names: string[]): unknown => names.map((n) => row[n]).find((v) => v !== undefined);

/** The list of an answer: the data itself, or its `items`/`buckets`/`apps`/`logs`. */
function itemsOf(data: unknown): Row[] {
  if (Array.isArray(data)) return data as Row[];
  const row = (data ?? {}) as Row;
  const items = first(row, 'items', 'buckets', 'apps', 'logs');
  return Array.isArray(items) ? (items as Row[]) : [];
}

function toBucket(row: Row): Bucket {
  return {
    time: timeOf(first(row, 'time', 'start', 'bucket')),
    logs: num(first(row, 'logs', 'count')),
    avg_ms: numOrNull(row.avg_ms),
    p95_ms: numOrNull(row.p95_ms),
    violations: num(row.violations),
  };
}

function toKeyStats(row: Row): KeyStats {
  return {
    message_key: String(row.message_key ?? ''),
    logs: num(first(row, 'logs', 'count')),
    avg_ms: numOrNull(row.avg_ms),
    p95_ms: numOrNull(row.p95_ms),
    max_ms: numOrNull(first(row, 'max_ms', 'worst_ms')),
  };
}

function toAppStats(row: Row): AppStats {
  const keys = first(row, 'slowest_keys', 'slowest_message_keys', 'message_keys');
  return {
    app_name: String(first(row, 'app_name', 'app') ?? ''),
    logs: num(first(row, 'logs', 'count', 'total_logs')),
    avg_ms: numOrNull(row.avg_ms),
    p95_ms: numOrNull(row.p95_ms),
    max_ms: numOrNull(first(row, 'max_ms', 'worst_ms')),
    violations: num(row.violations),
    violation_rate: num(row.violation_rate),
    slowest_keys: Array.isArray(keys) ? (keys as Row[]).map(toKeyStats) : [],
  };
}

function toTraceLogs(rows: Row[]): TraceLog[] {
  const logs = rows.map((row) => ({
    time: timeOf(first(row, 'time', '@timestamp', 'log_time', 'timestamp')),
    app_name: strOrNull(first(row, 'app_name', 'app')),
    message_key: strOrNull(row.message_key),
    duration_ms: numOrNull(first(row, 'duration_ms', 'duration')),
    level: strOrNull(row.level),
    message: strOrNull(row.message),
    offset_ms: numOrNull(row.offset_ms),
    gap_ms: numOrNull(first(row, 'gap_ms', 'gap_from_previous_ms')),
  }));
  const start = logs[0]?.time ?? 0;
  return logs.map((log, i) => ({
    ...log,
    offset_ms: log.offset_ms ?? log.time - start,
    gap_ms: log.gap_ms ?? (i === 0 ? 0 : log.time - logs[i - 1]!.time),
  }));
}

function toViolation(row: Row): Violation {
  return {
    id: num(row.id),
    rule_type: row.rule_type === 'message' ? 'message' : 'app',
    rule_id: num(row.rule_id),
    app_name: String(row.app_name ?? ''),
    message_key: strOrNull(row.message_key),
    duration_ms: num(first(row, 'duration_ms', 'duration')),
    threshold_ms: num(first(row, 'threshold_ms', 'max_duration')),
    log_time: timeOf(first(row, 'log_time', 'time')),
    correlation_id: strOrNull(row.correlation_id),
    level: strOrNull(row.level),
    message: strOrNull(row.message),
  };
}

function toPage<T>(data: unknown, map: (row: Row) => T): Page<T> {
  const page = (data ?? {}) as Partial<Page<unknown>>;
  const items = itemsOf(data).map(map);
  return {
    items,
    total: num(page.total ?? items.length),
    page: num(page.page ?? 1),
    per_page: num(page.per_page ?? 50),
  };
}

const rangeQuery = (range: TimeRange) => ({ from: range.from.toISOString(), to: range.to.toISOString() });

// ---- Endpoints ----

export const api = {
  overview: (range: TimeRange, signal?: AbortSignal) =>
    request<Overview>('GET', '/dashboard/overview', { query: rangeQuery(range), signal }),

  async timeseries(range: TimeRange, appName: string | undefined, signal?: AbortSignal): Promise<Bucket[]> {
    const data = await request<unknown>('GET', '/dashboard/timeseries', {
      query: { ...rangeQuery(range), app_name: appName },
      signal,
    });
    return itemsOf(data).map(toBucket);
  },

  async apps(range: TimeRange, signal?: AbortSignal): Promise<AppStats[]> {
    const data = await request<unknown>('GET', '/dashboard/apps', { query: rangeQuery(range), signal });
    return itemsOf(data).map(toAppStats);
  },

  server: (signal?: AbortSignal) => request<ServerStatus>('GET', '/monitor/server', { signal }),

  async trace(correlationId: string, signal?: AbortSignal): Promise<TraceLog[]> {
    const data = await request<unknown>('GET', '/monitor/trace', { query: { correlation_id: correlationId }, signal });
    return toTraceLogs(itemsOf(data));
  },

  /** Violations of every app, of one app, or of a message key (optionally within an app), newest first. */
  async violations(
    filter: { app_name?: string; message_key?: string; page?: number; per_page?: number },
    range: TimeRange,
    signal?: AbortSignal,
  ): Promise<Page<Violation>> {
    const byMessage = Boolean(filter.message_key);
    const data = await request<unknown>(
      'GET',
      byMessage ? '/monitor/violation/by-message' : '/monitor/violation/by-app',
      {
        query: { ...rangeQuery(range), ...filter },
        signal,
      },
    );
    return toPage(data, toViolation);
  },

  async alerts(
    filter: { status?: AlertStatus; app_name?: string; page?: number; per_page?: number },
    signal?: AbortSignal,
  ): Promise<Page<Alert>> {
    const data = await request<unknown>('GET', '/alerts', { query: filter, signal });
    return toPage(data, (row) => row as unknown as Alert);
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

  targets: {
    list: (signal?: AbortSignal) => request<Page<Target>>('GET', '/targets', { query: { per_page: 500 }, signal }),
    create: (input: TargetInput) => request<Target>('POST', '/targets', { body: input }),
    update: (id: number, input: Partial<TargetInput>) => request<Target>('PUT', `/targets/${id}`, { body: input }),
    remove: (id: number) => request<unknown>('DELETE', `/targets/${id}`),
  },
};

// ---- Live events: Server-Sent Events read over fetch, so the token travels in a header ----

export type LiveEventType = 'violation' | 'scan' | 'alert' | 'ingest';
export interface LiveEvent {
  type: LiveEventType | string;
  data: unknown;
}

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * Follows `GET /events` until `signal` aborts, reconnecting with backoff. EventSource cannot
 * send an Authorization header, so the stream is read with fetch and parsed here.
 */
export async function followEvents(
  onEvent: (event: LiveEvent) => void,
  onState: (state: LiveState) => void,
  signal: AbortSignal,
): Promise<void> {
  let delay = 1000;
  while (!signal.aborted) {
    onState('connecting');
    try {
      const response = await fetch(apiUrl('/events'), {
        headers: { accept: 'text/event-stream', ...authHeaders() },
        signal,
        cache: 'no-store',
      });
      if (response.status === 401) notifyAuthRequired();
      if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
      onState('live');
      delay = 1000;
      await readEventStream(response.body, onEvent);
    } catch {
      if (signal.aborted) return;
    }
    onState('offline');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
    delay = Math.min(delay * 2, 30_000);
  }
}

async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (event: LiveEvent) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.search(/\r?\n\r?\n/);
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(buffer.slice(end).match(/^\r?\n\r?\n/)![0].length + end);
      const event = parseEventBlock(block);
      if (event) onEvent(event);
      end = buffer.search(/\r?\n\r?\n/);
    }
  }
}

function parseEventBlock(block: string): LiveEvent | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue; // comment: heartbeat
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  try {
    return { type, data: JSON.parse(text) };
  } catch {
    return { type, data: text };
  }
}
