import { violationsUrl } from '../../../src/alerts/dashboard-link.js';
import type { AlertNotification, ViolationSample } from '../../../src/alerts/notification.js';

const BASE_TIME = Date.parse('2026-11-27T10:00:01Z');

// The URL forms the dashboard's router parses (web/src/router.ts), as grouping.ts builds them.
const traceUrl = (correlationId: string) => `http://127.0.0.1:9501/#/trace/${encodeURIComponent(correlationId)}`;

export function sample(overrides: Partial<ViolationSample> = {}): ViolationSample {
  const correlationId = overrides.correlationId ?? 'req-1';
  return {
    correlationId,
    durationMs: 2345,
    time: BASE_TIME + 60_000,
    message: 'GET /orders took too long',
    traceUrl: correlationId === null ? null : traceUrl(correlationId),
    ...overrides,
  };
}

/** A realistic notification; tests override what they are about. */
export function notification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    ruleType: 'message',
    ruleId: 7,
    app: 'checkout',
    messageKey: 'POST /orders',
    thresholdMs: 500,
    count: 3,
    sinceLastAlert: 3,
    worstMs: 2345,
    p95Ms: 1900,
    firstAt: BASE_TIME,
    lastAt: BASE_TIME + 298_000,
    samples: [sample(), sample({ correlationId: 'req-2', durationMs: 1900, message: 'second' })],
    dashboardUrl: violationsUrl('http://127.0.0.1:9501', {
      ruleType: 'message',
      ruleId: 7,
      app: 'checkout',
      messageKey: 'POST /orders',
      firstAt: BASE_TIME,
      lastAt: BASE_TIME + 298_000,
    }),
    ...overrides,
  };
}

/** Log text chosen to break naive templates, each with a fragment a reader must still see. */
export const HOSTILE_TEXTS: ReadonlyArray<{ text: string; readable: string }> = [
  { text: '<script>alert("x")</script>', readable: '<script>alert("x")</script>' },
  {
    text: 'already escaped &amp; &lt;b&gt; and a bare & and &#x26; and &unknown;',
    readable: 'already escaped &amp; &lt;b&gt; and a bare & and &#x26; and &unknown;',
  },
  { text: '<b>unbalanced bold <i>and italic', readable: '<b>unbalanced bold <i>and italic' },
  { text: 'first line\nsecond line\r\nthird\u2028fourth', readable: 'first line second line third fourth' },
  {
    text: 'quotes " and \' and `backticks` and </a> and <a href="javascript:alert(1)">x</a>',
    readable: 'quotes " and \' and `backticks` and </a>',
  },
  { text: 'emoji 😀👩‍👩‍👧‍👦🇺🇦 and combining é', readable: 'emoji 😀👩‍👩‍👧‍👦🇺🇦 and combining é' },
  { text: 'RTL: \u202eevil override\u202c مرحبا بالعالم שלום', readable: 'RTL: evil override مرحبا بالعالم שלום' },
  { text: 'controls \u0000\u0007\u001b[31mred\u001b[0m', readable: 'controls [31mred[0m' },
  { text: 'x'.repeat(10_000), readable: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },
  { text: '😀'.repeat(5_000), readable: '😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀' },
];
