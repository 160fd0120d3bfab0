import { logDocument } from '../support/log-documents.js';
/**
 * A deterministic data set for the dashboard figures: logs spread over six hours at
 * millisecond-precise times (so ranges have ragged edges), some without app, duration or
 * level, and the violations a scanner would have recorded for them. Every figure a test
 * expects is computed from these arrays by the functions below, independently of lagwatch.
 */
export const T0 = Date.UTC(2026, 0, 10, 0, 0, 0);
export const HOUR = 3_600_000;

export interface TestLog {
  time: number;
  app: string | null;
  messageKey: string | null;
  durationMs: number | null;
  level: string | null;
  correlationId: string | null;
}

export interface TestViolation {
  ruleType: 'app' | 'message';
  ruleId: number;
  app: string;
  messageKey: string | null;
  durationMs: number;
  thresholdMs: number;
  logTime: number;
  correlationId: string | null;
}

const APPS = ['checkout', 'search', 'auth'] as const;
/** Keys with well separated duration scales, so "slowest keys" has one right order. */
const KEYS: Record<(typeof APPS)[number], [string, number][]> = {
  checkout: [
    ['payment.capture', 900],
    ['cart.view', 120],
    ['order.create', 400],
  ],
  search: [
    ['query.run', 250],
    ['suggest', 30],
  ],
  auth: [
    ['login', 180],
    ['token.refresh', 15],
  ],
};
const LEVELS = ['info', 'info', 'info', 'warn', 'error', 'debug'];

/** Park–Miller: the same sequence on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

export function generateLogs(count = 4_000, seed = 42): TestLog[] {
  const next = random(seed);
  const logs: TestLog[] = [];
  for (let i = 0; i < count; i++) {
    const time = T0 + Math.floor(next() * 6 * HOUR);
    const roll = next();
    if (roll < 0.03) {
      // A log without app (and without key): counts in totals and levels only.
      logs.push({ time, app: null, messageKey: null, durationMs: null, level: 'info', correlationId: null });
      continue;
    }
    const app = APPS[Math.floor(next() * APPS.length)];
    const keys = KEYS[app];
    const [messageKey, scale] = keys[Math.floor(next() * keys.length)];
    // Long-tailed durations: mostly around the scale, a few far above it.
    const tail = next() < 0.05 ? 4 + next() * 6 : 0.5 + next();
    const durationMs = next() < 0.08 ? null : Math.round(scale * tail * 1000) / 1000;
    const level = next() < 0.05 ? null : LEVELS[Math.floor(next() * LEVELS.length)];
    logs.push({ time, app, messageKey: next() < 0.05 ? null : messageKey, durationMs, level, correlationId: null });
  }
  return logs;
}

/** The NDJSON documents (default field preset) of the logs. */
export function documentsOf(logs: readonly TestLog[]): Record<string, unknown>[] {
  return logs.map((log) =>
    logDocument({
      time: log.time,
      app: log.app ?? undefined,
      key: log.messageKey ?? undefined,
      duration: log.durationMs ?? undefined,
      level: log.level ?? undefined,
      correlation: log.correlationId ?? undefined,
      message: `${log.app ?? 'unknown'} ${log.messageKey ?? ''}`.trim(),
    }),
  );
}

/**
 * What a scan would record: a message rule for checkout's payment.capture (threshold 2000 ms,
 * rule 1), else app rules: checkout 1500 ms (rule 1), search 800 ms (rule 2); auth has none.
 */
export function violationsOf(logs: readonly TestLog[]): TestViolation[] {
  const out: TestViolation[] = [];
  for (const log of logs) {
    if (log.app === null || log.durationMs === null) continue;
    let rule: { ruleType: 'app' | 'message'; ruleId: number; thresholdMs: number } | undefined;
    if (log.app === 'checkout' && log.messageKey === 'payment.capture') {
      rule = { ruleType: 'message', ruleId: 1, thresholdMs: 2000 };
    } else if (log.app === 'checkout') rule = { ruleType: 'app', ruleId: 1, thresholdMs: 1500 };
    else if (log.app === 'search') rule = { ruleType: 'app', ruleId: 2, thresholdMs: 800 };
    if (!rule || log.durationMs <= rule.thresholdMs) continue;
    out.push({
      ...rule,
      app: log.app,
      messageKey: log.messageKey,
      durationMs: log.durationMs,
      logTime: log.time,
      correlationId: log.correlationId,
    });
  }
  return out;
}

// Independent figures.

export const inRange = (time: number, from: number, to: number) => time >= from && time < to;

/** Nearest-rank percentile (rank ceil(q·n)) of exact values. */
export function exactPercentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function durations(logs: readonly TestLog[]): number[] {
  return logs.flatMap((l) => (l.durationMs === null ? [] : [l.durationMs]));
}

export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
