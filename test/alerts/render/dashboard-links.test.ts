import { describe, expect, it } from 'vitest';
import { alertRowDashboardUrl, violationsUrl } from '../../../src/alerts/dashboard-link.js';
import { ScanGroups } from '../../../src/alerts/grouping.js';
import type { AlertNotification } from '../../../src/alerts/notification.js';
import { renderEmail } from '../../../src/alerts/render/email.js';
import { renderTelegram } from '../../../src/alerts/render/telegram.js';
import { renderWebhookPayload } from '../../../src/alerts/render/webhook.js';
import type { RecordedViolation } from '../../../src/violations/violation-row.js';
import { parseRoute } from '../../../web/src/url-scheme.js';

const PUBLIC_URL = 'https://lagwatch.example.com/ops';
const T = Date.parse('2026-11-27T10:00:00Z');

function violation(overrides: Partial<RecordedViolation>): RecordedViolation {
  return {
    dedupe_key: `k-${Math.random()}`,
    source_id: 's',
    rule_type: 'message',
    rule_id: 42,
    app_name: 'checkout',
    message_key: 'GET /x?y=1&z=#2',
    duration_ms: 900,
    threshold_ms: 500,
    log_time: T,
    correlation_id: null,
    level: 'warn',
    message: 'slow',
    created_at: T + 5_000,
    ...overrides,
  };
}

/** The link a template shows: the href of its dashboard anchor, or the webhook field. */
function linksOf(notification: AlertNotification): string[] {
  const unescapeHtml = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const telegram = renderTelegram(notification).join('\n');
  const email = renderEmail(notification);
  const anchor = /<a href="([^"]+)">Open in the lagwatch dashboard<\/a>/;
  return [
    unescapeHtml(anchor.exec(telegram)?.[1] ?? 'missing telegram link'),
    /Dashboard: (\S+)/.exec(email.text)?.[1] ?? 'missing email text link',
    unescapeHtml(anchor.exec(email.html)?.[1] ?? 'missing email html link'),
    renderWebhookPayload(notification).dashboard_url,
  ];
}

describe("notifications' dashboard links", () => {
  it('carry the rule, app, key and the exact window of the violations reported, in every channel', () => {
    const groups = new ScanGroups();
    groups.add([
      violation({ log_time: T + 1_234 }),
      violation({ log_time: T + 61_000 }),
      violation({ log_time: T + 125_999 }),
      violation({ rule_type: 'app', rule_id: 3, message_key: 'other', log_time: T + 9 * 60_000 }),
      violation({ rule_type: 'app', rule_id: 3, message_key: 'more', log_time: T + 10 * 60_000 }),
    ]);
    const [message, app] = groups.all().map((g) => g.toNotification(g.count, PUBLIC_URL));
    for (const link of linksOf(message!)) {
      expect(link.startsWith(`${PUBLIC_URL}/#/violations?`)).toBe(true);
      const route = parseRoute(new URL(link).hash);
      expect(route).toEqual({
        page: 'violations',
        range: { kind: 'custom', from: new Date(T + 1_234), to: new Date(T + 126_000) },
        app: 'checkout',
        key: 'GET /x?y=1&z=#2',
        rule: { type: 'message', id: 42 },
      });
    }
    for (const link of linksOf(app!)) {
      // An app rule's link names no key: the rule alone names its violations, whatever their keys.
      expect(parseRoute(new URL(link).hash)).toEqual({
        page: 'violations',
        range: { kind: 'custom', from: new Date(T + 9 * 60_000), to: new Date(T + 10 * 60_000 + 1) },
        app: 'checkout',
        rule: { type: 'app', id: 3 },
      });
    }
  });

  it('stay within the length templates keep: a huge key is left to the rule', () => {
    const key = '😀'.repeat(150);
    const link = violationsUrl(PUBLIC_URL, {
      ruleType: 'message',
      ruleId: 9,
      app: 'a',
      messageKey: key,
      firstAt: T,
      lastAt: T,
    });
    expect(link.length).toBeLessThanOrEqual(1000);
    expect(parseRoute(new URL(link).hash)).toMatchObject({ rule: { type: 'message', id: 9 }, app: 'a' });
    expect(parseRoute(new URL(link).hash).key).toBeUndefined();
    const short = violationsUrl(PUBLIC_URL, {
      ruleType: 'message',
      ruleId: 9,
      app: 'a',
      messageKey: 'k',
      firstAt: T,
      lastAt: T,
    });
    expect(parseRoute(new URL(short).hash).key).toBe('k');
  });

  it('an alert log row rebuilds the link its notification carried', () => {
    const groups = new ScanGroups();
    groups.add([violation({ log_time: T }), violation({ log_time: T + 5_000 })]);
    const notification = groups.all()[0]!.toNotification(2, PUBLIC_URL);
    const row = {
      rule_type: 'message' as const,
      rule_id: 42,
      app_name: 'checkout',
      message_key: 'GET /x?y=1&z=#2',
      payload: JSON.stringify(notification),
    };
    expect(alertRowDashboardUrl(PUBLIC_URL, row)).toBe(notification.dashboardUrl);
    // A payload without a window (or unreadable) still names the rule.
    const bare = parseRoute(new URL(alertRowDashboardUrl(PUBLIC_URL, { ...row, payload: '{' })).hash);
    expect(bare).toEqual({
      page: 'violations',
      app: 'checkout',
      key: 'GET /x?y=1&z=#2',
      rule: { type: 'message', id: 42 },
    });
  });
});
