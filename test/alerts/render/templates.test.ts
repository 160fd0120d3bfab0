import { describe, expect, it } from 'vitest';
import { renderEmail, SUBJECT_MAX_LENGTH } from '../../../src/alerts/render/email.js';
import { renderTelegram } from '../../../src/alerts/render/telegram.js';
import { renderWebhookPayload } from '../../../src/alerts/render/webhook.js';
import { parseTelegramHtml } from '../../support/telegram-stand-in.js';
import { HOSTILE_TEXTS, notification, sample } from './sample-notification.js';

function telegramVisible(parts: string[]): string {
  return parts
    .map((part) => {
      const parsed = parseTelegramHtml(part);
      if (!parsed.ok) throw new Error(parsed.description);
      expect(parsed.visibleText.length).toBeLessThanOrEqual(4096);
      return parsed.visibleText;
    })
    .join('\n');
}

describe('Telegram template', () => {
  it('reads well: app, message key, count, worst, p95, threshold, span, samples with trace links', () => {
    const parts = renderTelegram(notification());
    expect(parts).toHaveLength(1);
    const text = telegramVisible(parts);
    expect(text).toContain('App: checkout');
    expect(text).toContain('Message key: POST /orders');
    expect(text).toContain('3 violations over the 500 ms threshold');
    expect(text).toContain('Worst: 2.35 s · p95: 1.9 s');
    expect(text).toContain('When: 2026-11-27 10:00:01 – 10:04:59 UTC (4 min 58 s)');
    expect(text).toContain('2.35 s at 10:01:01 req-1 — \u2068GET /orders took too long\u2069');
    expect(parts[0]).toContain('<a href="http://127.0.0.1:9501/#/trace/req-1">req-1</a>');
    expect(parts[0]).toContain(
      '<a href="http://127.0.0.1:9501/#/violations?from=2026-11-27T10:00:01.000Z&amp;to=2026-11-27T10:04:59.001Z&amp;app=checkout&amp;key=POST+/orders&amp;rule=message:7">',
    );
  });

  it('says how many violations happened since the last alert when cooldown held some back', () => {
    const text = telegramVisible(renderTelegram(notification({ count: 3, sinceLastAlert: 40 })));
    expect(text).toContain('40 violations since the last alert (3 in this scan), threshold 500 ms');
  });

  it('says "5 violations in 10 min" for a rule with a count window', () => {
    const window = { minutes: 10, count: 5 };
    const text = telegramVisible(renderTelegram(notification({ count: 5, sinceLastAlert: 5, scanCount: 2, window })));
    expect(text).toContain('5 violations in 10 min over the 500 ms threshold');
    const more = telegramVisible(renderTelegram(notification({ count: 9, sinceLastAlert: 9, scanCount: 2, window })));
    expect(more).toContain('9 violations since the last alert over the 500 ms threshold (5 in the last 10 min)');
  });

  it('has a resolved form', () => {
    const resolved = notification({
      kind: 'resolved',
      ruleType: 'app',
      app: 'checkout-api',
      messageKey: null,
      thresholdMs: 800,
      samples: [],
      resolved: { durationMinutes: 23, violations: 41, quietMinutes: 10 },
    });
    const text = telegramVisible(renderTelegram(resolved));
    expect(text).toContain('lagwatch: resolved');
    expect(text).toContain('back under 800 ms after 23 min, 41 violations');
    expect(text).not.toContain('slow app');
    const email = renderEmail(resolved);
    expect(email.subject).toBe('[lagwatch] Resolved: checkout-api back under 800 ms after 23 min, 41 violations');
    expect(email.text).toContain('Resolved: back under 800 ms after 23 min, 41 violations');
  });

  it('leaves out the message key line for an app rule', () => {
    const text = telegramVisible(renderTelegram(notification({ ruleType: 'app', messageKey: null })));
    expect(text).not.toContain('Message key');
    expect(text).toContain('lagwatch: slow app');
  });

  it.each(HOSTILE_TEXTS.map((t) => [t.text.slice(0, 40), t]))(
    'escapes hostile log text: %s',
    (_label, { text: hostile, readable }) => {
      const n = notification({
        app: hostile,
        messageKey: hostile,
        samples: [sample({ message: hostile, correlationId: hostile, traceUrl: `http://h/t?id=${hostile}"` })],
      });
      const parts = renderTelegram(n);
      const text = telegramVisible(parts); // throws if Telegram would refuse it
      expect(text).toContain(`App: ${readable}`);
      expect(text).toContain(`— \u2068${readable}`);
      for (const part of parts) expect(part).not.toMatch(/<(?!\/?(b|i|code|a)[ >])/);
    },
  );

  it('bounds a 10,000-character message to a readable length', () => {
    const parts = renderTelegram(notification({ samples: [sample({ message: 'z'.repeat(10_000) })] }));
    expect(parts).toHaveLength(1);
    const line = telegramVisible(parts)
      .split('\n')
      .find((l) => l.includes('zzz'))!;
    expect(line.length).toBeLessThan(400);
    expect(line).toContain('…');
  });

  it('splits many long samples into several valid parts', () => {
    const samples = Array.from({ length: 10 }, (_, i) =>
      sample({ correlationId: `req-${i}`, message: `<b>${i}</b> & `.repeat(60) }),
    );
    const parts = renderTelegram(notification({ samples }), 1000);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1000);
    const text = telegramVisible(parts);
    for (let i = 0; i < 10; i++) expect(text).toContain(`req-${i}`);
  });

  it('only links http(s) URLs', () => {
    const parts = renderTelegram(
      notification({ dashboardUrl: 'javascript:alert(1)', samples: [sample({ traceUrl: 'javascript:alert(2)' })] }),
    );
    expect(parts.join('')).not.toContain('javascript:');
    expect(parts.join('')).toContain('<code>req-1</code>');
  });
});

describe('email template', () => {
  it('has a one-line bounded subject whatever the log text', () => {
    for (const { text: hostile } of HOSTILE_TEXTS) {
      const { subject } = renderEmail(
        notification({ app: `${hostile}\r\nBcc: victim@example.com`, messageKey: hostile }),
      );
      expect(subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
      expect(subject.startsWith('[lagwatch] Slow ')).toBe(true);
    }
  });

  it('reads well in plain text', () => {
    const { subject, text } = renderEmail(notification({ sinceLastAlert: 10 }));
    expect(subject).toBe('[lagwatch] Slow checkout / POST /orders: 10 violations, worst 2.35 s');
    expect(text).toContain('Violations: 10 violations since the last alert (3 in this scan), threshold 500 ms');
    expect(text).toContain('p95: 1.9 s');
    expect(text).toContain('- 2.35 s at 2026-11-27 10:01:01 UTC [req-1] GET /orders took too long');
    expect(text).toContain('  trace: http://127.0.0.1:9501/#/trace/req-1');
  });

  it('escapes log text in the HTML body', () => {
    const { html } = renderEmail(
      notification({ app: '<img src=x onerror=alert(1)>', samples: [sample({ message: '<script>x</script>&' })] }),
    );
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;&amp;');
    expect(html).toContain('<a href="http://127.0.0.1:9501/#/trace/req-1"><code>req-1</code></a>');
  });
});

describe('webhook body', () => {
  it('has the documented stable shape', () => {
    const body = renderWebhookPayload(notification({ sinceLastAlert: 10 }));
    expect(body).toEqual({
      version: 1,
      kind: 'alert',
      rule: { type: 'message', id: 7 },
      app: 'checkout',
      message_key: 'POST /orders',
      count: 3,
      since_last_alert: 10,
      threshold_ms: 500,
      worst_ms: 2345,
      p95_ms: 1900,
      first_at: '2026-11-27T10:00:01.000Z',
      last_at: '2026-11-27T10:04:59.000Z',
      samples: [
        {
          correlation_id: 'req-1',
          duration_ms: 2345,
          time: '2026-11-27T10:01:01.000Z',
          message: 'GET /orders took too long',
          trace_url: 'http://127.0.0.1:9501/#/trace/req-1',
        },
        {
          correlation_id: 'req-2',
          duration_ms: 1900,
          time: '2026-11-27T10:01:01.000Z',
          message: 'second',
          trace_url: 'http://127.0.0.1:9501/#/trace/req-2',
        },
      ],
      dashboard_url:
        'http://127.0.0.1:9501/#/violations?from=2026-11-27T10:00:01.000Z&to=2026-11-27T10:04:59.001Z&app=checkout&key=POST+/orders&rule=message:7',
      window: null,
      resolved: null,
    });
  });

  it('carries the kind, the count window and the resolved facts', () => {
    const windowed = renderWebhookPayload(notification({ window: { minutes: 10, count: 5 } }));
    expect([windowed.kind, windowed.window, windowed.resolved]).toEqual(['alert', { minutes: 10, count: 5 }, null]);
    const resolved = renderWebhookPayload(
      notification({ kind: 'resolved', resolved: { durationMinutes: 23, violations: 41, quietMinutes: 10 } }),
    );
    expect([resolved.kind, resolved.resolved]).toEqual([
      'resolved',
      { duration_minutes: 23, violations: 41, quiet_minutes: 10 },
    ]);
  });

  it('keeps log text as is but bounded, and stays valid JSON with emoji', () => {
    const body = renderWebhookPayload(notification({ samples: [sample({ message: '😀'.repeat(5000) })] }));
    const message = body.samples[0]!.message!;
    expect(message.length).toBeLessThanOrEqual(2000);
    expect(JSON.parse(JSON.stringify(body)).samples[0].message).toBe(message);
    expect(message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
