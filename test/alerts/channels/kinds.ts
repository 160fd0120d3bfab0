import type { AlertNotification } from '../../../src/alerts/notification.js';
import { selfNotification } from '../../../src/self-monitoring/self-notification.js';
import { notification, sample } from '../render/sample-notification.js';

/** One notification of every kind a channel renders, for the chat and pager provider tests. */

const from = Date.UTC(2026, 11, 6, 9, 59, 0);
const to = Date.UTC(2026, 11, 6, 10, 4, 0);

export function windowFiring(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    kind: 'alert',
    ruleType: 'latency',
    ruleId: 3,
    app: 'checkout-api',
    messageKey: 'POST /orders',
    thresholdMs: 800,
    count: 412,
    sinceLastAlert: 412,
    worstMs: 1240,
    p95Ms: 1240,
    firstAt: from,
    lastAt: to,
    samples: [],
    dashboardUrl:
      'http://lagwatch.test/#/incidents?id=7&rule=latency:3&from=2026-12-06T09:04:00.000Z&to=2026-12-06T10:04:00.001Z',
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
    sentence: 'checkout-api POST /orders: p95 1,240 ms over the last 5 min > 800 ms (412 logs), firing since 10:04 UTC',
    ...overrides,
  };
}

export const windowReminder = (): AlertNotification =>
  windowFiring({
    incident: { id: 7, name: 'orders p95', event: 'reminder', startedAt: to, resolvedAt: null },
    sentence: 'checkout-api POST /orders: p95 1,300 ms over the last 5 min > 800 ms (450 logs), firing since 10:04 UTC',
  });

export const windowResolved = (): AlertNotification =>
  windowFiring({
    kind: 'resolved',
    incident: { id: 7, name: 'orders p95', event: 'resolved', startedAt: to, resolvedAt: to + 23 * 60_000 },
    sentence: 'checkout-api POST /orders: p95 back to 640 ms over the last 5 min (≤ 800 ms), firing for 23 min',
  });

export const resolved = (overrides: Partial<AlertNotification> = {}): AlertNotification =>
  notification({
    kind: 'resolved',
    samples: [],
    resolved: { durationMinutes: 23, violations: 41, quietMinutes: 10 },
    ...overrides,
  });

export const countWindow = (): AlertNotification =>
  notification({ ruleType: 'app', ruleId: 9, messageKey: null, window: { minutes: 10, count: 5 }, sinceLastAlert: 8 });

/** A self-alert as self-monitoring makes it: a kind of its own, with a sentence, evaluation and incident. */
export function selfAlert(kind: 'alert' | 'resolved' = 'alert'): AlertNotification {
  const since = Date.UTC(2026, 11, 6, 10, 0, 0);
  return selfNotification(
    { id: 2, key: 'scans', condition: 'scans_failing', subject: 'scans', since, detail: 'ECONNREFUSED', count: 7 },
    kind,
    { now: since + 7 * 60_000, publicUrl: 'http://127.0.0.1:9501', afterMinutes: 5 },
  );
}

/** A kind no renderer knows that brings only its sentence. */
export function sentenceOnly(kind: 'alert' | 'resolved' = 'alert'): AlertNotification {
  return notification({
    kind,
    ruleType: 'canary',
    ruleId: 4,
    app: 'lagwatch',
    messageKey: 'probe',
    samples: [],
    dashboardUrl: 'http://127.0.0.1:9501/',
    sentence: kind === 'alert' ? 'the canary probe has not answered for 7 min' : 'the canary probe answers again',
  });
}

/** Every kind, named, as a channel test walks them. */
export function everyKind(): Array<[string, AlertNotification]> {
  return [
    ['alert', notification()],
    [
      'alert of an app rule with many samples',
      notification({ ruleType: 'app', messageKey: null, samples: [sample(), sample({ correlationId: null })] }),
    ],
    ['resolved', resolved()],
    ['resolved without facts (an old row)', notification({ kind: 'resolved', samples: [] })],
    ['count window', countWindow()],
    ['window firing', windowFiring()],
    ['window reminder', windowReminder()],
    ['window resolved', windowResolved()],
    ['self alert', selfAlert('alert')],
    ['self resolved', selfAlert('resolved')],
    ['sentence only', sentenceOnly('alert')],
    ['sentence only resolved', sentenceOnly('resolved')],
  ];
}
