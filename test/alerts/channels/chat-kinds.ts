import type { NotifierContext } from '../../../src/alerts/channels/provider.js';
import type { AlertNotification, Destination } from '../../../src/alerts/notification.js';
import { loadConfig } from '../../../src/config/load.js';
import { selfNotification } from '../../../src/self-monitoring/self-notification.js';
import { notification, sample } from '../render/sample-notification.js';

/**
 * Every kind of notification a chat channel renders, each with the words a reader must find
 * in it. Shared by the Slack, Teams and Discord tests.
 */
const from = Date.UTC(2026, 11, 6, 9, 59, 0);
const to = Date.UTC(2026, 11, 6, 10, 4, 0);

const windowKind = (overrides: Partial<AlertNotification>): AlertNotification => ({
  ...notification({ samples: [] }),
  kind: 'alert',
  ruleType: 'latency',
  ruleId: 3,
  app: 'checkout-api',
  messageKey: null,
  dashboardUrl: 'http://127.0.0.1:9501/#/incidents?id=7&rule=latency:3',
  evaluation: {
    statistic: 'p95',
    value: 1240,
    threshold: 800,
    unit: 'ms',
    samples: 412,
    windowFrom: from,
    windowTo: to,
    baselineValue: null,
  },
  incident: { id: 7, name: 'orders p95', event: 'alert', startedAt: to, resolvedAt: null },
  sentence: 'checkout-api: p95 1,240 ms over the last 5 min > 800 ms (412 logs), firing since 10:04 UTC',
  ...overrides,
});

export interface KindCase {
  name: string;
  n: AlertNotification;
  /** Words the reader must see. */
  says: string[];
  /** Whether it carries the "Mute 1 h" link. */
  mute: boolean;
  /** Whether trace links are expected. */
  traces: boolean;
}

const selfFacts = {
  id: 4,
  key: 'scans_failing',
  condition: 'scans_failing' as const,
  subject: 'scans',
  since: from,
  detail: 'connect ECONNREFUSED 127.0.0.1:9200',
  count: 12,
};
const selfOptions = { now: to, publicUrl: 'http://127.0.0.1:9501', afterMinutes: 5 };

export const KIND_CASES: KindCase[] = [
  {
    name: 'message rule alert',
    n: notification(),
    says: [
      'lagwatch: slow message',
      'checkout',
      'POST /orders',
      '3 violations over the 500 ms threshold',
      '2.35 s',
      '1.9 s',
      'req-1',
      'GET /orders took too long',
    ],
    mute: true,
    traces: true,
  },
  {
    name: 'app rule alert',
    n: notification({ ruleType: 'app', messageKey: null }),
    says: ['lagwatch: slow app', 'checkout', '3 violations over the 500 ms threshold'],
    mute: true,
    traces: true,
  },
  {
    name: 'count window',
    // count: every violation since the last notification; window.count: those in the window.
    n: notification({ window: { minutes: 10, count: 5 }, count: 9, sinceLastAlert: 9 }),
    says: ['9 violations since the last alert over the 500 ms threshold (5 in the last 10 min)'],
    mute: true,
    traces: true,
  },
  {
    name: 'since the last alert',
    n: notification({ count: 2, sinceLastAlert: 40 }),
    says: ['40 violations since the last alert (2 in this scan), threshold 500 ms'],
    mute: true,
    traces: true,
  },
  {
    name: 'resolved',
    n: notification({
      kind: 'resolved',
      samples: [],
      resolved: { durationMinutes: 23, violations: 41, quietMinutes: 10 },
    }),
    says: ['lagwatch: resolved', 'back under 500 ms after 23 min, 41 violations (no violation for 10 min of logs)'],
    mute: false,
    traces: false,
  },
  {
    name: 'window kind firing',
    n: windowKind({}),
    says: [
      'lagwatch: firing',
      'orders p95',
      'p95 1,240 ms over the last 5 min > 800 ms (412 logs)',
      '09:59:00 – 10:04:00',
    ],
    mute: true,
    traces: false,
  },
  {
    name: 'window kind reminder',
    n: windowKind({ incident: { id: 7, name: 'orders p95', event: 'reminder', startedAt: to, resolvedAt: null } }),
    says: ['lagwatch: still firing', 'orders p95'],
    mute: true,
    traces: false,
  },
  {
    name: 'window kind resolved',
    n: windowKind({
      kind: 'resolved',
      incident: { id: 7, name: 'orders p95', event: 'resolved', startedAt: to, resolvedAt: to + 23 * 60_000 },
      sentence: 'checkout-api: back to 610 ms after 23 min (p95 over the last 5 min, 380 logs)',
    }),
    says: ['lagwatch: resolved', 'back to 610 ms after 23 min'],
    mute: false,
    traces: false,
  },
  {
    name: 'a kind the template does not know (self-alert)',
    n: {
      ...notification({ samples: [], app: 'lagwatch', messageKey: null }),
      ruleType: 'self',
      ruleId: 0,
      kind: 'alert',
      sentence: 'lagwatch: scans have failed for 15 min (Elasticsearch unreachable)',
    },
    says: ['lagwatch: alert', 'scans have failed for 15 min (Elasticsearch unreachable)'],
    mute: true,
    traces: false,
  },
  {
    name: 'self-alert',
    n: selfNotification(selfFacts, 'alert', selfOptions),
    says: [
      'lagwatch: firing',
      'lagwatch self-monitoring: scans failing',
      'every scan has failed since',
      'ECONNREFUSED',
    ],
    mute: true,
    traces: false,
  },
  {
    name: 'self-alert resolved',
    n: selfNotification(selfFacts, 'resolved', selfOptions),
    says: ['lagwatch: resolved', 'lagwatch scans succeed again, after 5 min'],
    mute: false,
    traces: false,
  },
];

/** Log text meant to ping, link or mark up, in every log-derived field of an alert. */
export function hostile(text: string): AlertNotification {
  return notification({
    app: `app ${text}`,
    messageKey: `key ${text}`,
    samples: [
      sample({ correlationId: `id ${text}`, message: `msg ${text}` }),
      sample({ correlationId: 'req-2', message: text }),
    ],
  });
}

export const PINGS = [
  '<!channel> <!here> <!everyone> <@U024BE7LH> <#C024BE7LR> <!subteam^SAZ94GDB8>',
  '@everyone @here <@123456789012345678> <@&987654321> <#1234>',
  '<https://evil.example/phish|click me> [click me](https://evil.example/phish) <at>Alice</at>',
  '*bold* _it_ ~strike~ `code` ```block``` > quote # heading - list | pipe \\ backslash ||spoiler||',
];

/** A many-sample alert with 10 KB messages and ids: what a hostile log can make of the limits. */
export function huge(): AlertNotification {
  const big = `${'<&>'.repeat(1200)}${'😀'.repeat(2000)}x`.repeat(2);
  return notification({
    app: big,
    messageKey: big,
    samples: Array.from({ length: 10 }, (_, i) =>
      sample({ correlationId: `${i}-${'&'.repeat(400)}`, message: big, durationMs: 5000 - i }),
    ),
  });
}

/** A NotifierContext made by hand (until the registry builds them). */
export function context(env: Record<string, string> = {}): NotifierContext {
  const config = loadConfig({ ...env }, undefined);
  const shared = new Map<string, unknown>();
  return {
    config,
    options: { webhook: { timeoutMs: 2000 } },
    shared<T>(key: string, make: () => T): T {
      if (!shared.has(key)) shared.set(key, make());
      return shared.get(key) as T;
    },
  };
}

export const destination = (channel: string, address: string): Destination => ({
  channel,
  address,
  targetId: 1,
});
