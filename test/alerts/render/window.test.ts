import { describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../../src/alerts/notification.js';
import { renderEmail } from '../../../src/alerts/render/email.js';
import { renderTelegram } from '../../../src/alerts/render/telegram.js';
import { renderWebhookPayload } from '../../../src/alerts/render/webhook.js';
import { windowFiring } from '../channels/kinds.js';

const to = Date.UTC(2026, 11, 6, 10, 4, 0);

const firing = (overrides: Partial<AlertNotification> = {}): AlertNotification =>
  windowFiring({
    messageKey: 'POST /orders <b>',
    sentence:
      'checkout-api POST /orders <b>: p95 1,240 ms over the last 5 min > 800 ms (412 logs), firing since 10:04 UTC',
    ...overrides,
  });

describe('window kinds on every channel', () => {
  it('Telegram says the sentence, the window and links the incident, with log text escaped', () => {
    const [text] = renderTelegram(firing());
    expect(text).toContain('🐢 <b>lagwatch: firing</b> · orders p95');
    expect(text).toContain(
      'checkout-api POST /orders &lt;b&gt;: p95 1,240 ms over the last 5 min &gt; 800 ms (412 logs), firing since 10:04 UTC',
    );
    expect(text).toContain('<b>Window:</b> 2026-12-06 09:59:00 – 10:04:00 UTC (5 min)');
    expect(text).toContain('href="http://lagwatch.test/#/incidents?id=7&amp;rule=latency:3');
    expect(text).not.toContain('<b>:');
  });

  it('email: the sentence as subject, statistic, value, threshold, baseline, window and samples as facts', () => {
    const email = renderEmail(
      firing({
        evaluation: { ...firing().evaluation!, threshold: 600, baselineValue: 300 },
        sentence:
          'checkout-api: p95 1,240 ms over the last 5 min > 2 × 300 ms a day earlier (412 logs), firing since 10:04 UTC',
      }),
    );
    expect(email.subject).toBe(
      '[lagwatch] checkout-api: p95 1,240 ms over the last 5 min > 2 × 300 ms a day earlier (412 logs), firing since 10:04 UTC',
    );
    for (const line of [
      'Statistic: p95',
      'Value: 1,240 ms',
      'Threshold: 600 ms',
      'Baseline: 300 ms',
      'Samples: 412 logs',
    ]) {
      expect(email.text).toContain(line);
    }
    expect(email.html).toContain('POST /orders &lt;b&gt;');
  });

  it('resolved: "back to" in words; webhook bodies add evaluation and incident_id', () => {
    const resolved = firing({
      kind: 'resolved',
      incident: { id: 7, name: 'orders p95', event: 'resolved', startedAt: to, resolvedAt: to + 23 * 60_000 },
      sentence: 'checkout-api POST /orders: back to 610 ms after 23 min (p95 over the last 5 min, 380 logs)',
    });
    expect(renderTelegram(resolved)[0]).toContain('✅ <b>lagwatch: resolved</b>');
    expect(renderEmail(resolved).subject).toBe(
      '[lagwatch] Resolved: checkout-api POST /orders: back to 610 ms after 23 min (p95 over the last 5 min, 380 logs)',
    );
    const body = renderWebhookPayload(firing());
    expect(body).toMatchObject({
      kind: 'alert',
      rule: { type: 'latency', id: 3 },
      incident_id: 7,
      evaluation: {
        statistic: 'p95',
        value: 1240,
        threshold: 800,
        unit: 'ms',
        samples: 412,
        window_from: '2026-12-06T09:59:00.000Z',
        window_to: '2026-12-06T10:04:00.000Z',
        baseline_value: null,
      },
    });
    // Per-log kinds' bodies are unchanged: no evaluation, no incident_id.
    const { evaluation: _e, incident: _i, sentence: _s, ...perLog } = firing({ ruleType: 'app' });
    expect(renderWebhookPayload(perLog)).not.toHaveProperty('evaluation');
    expect(renderWebhookPayload(perLog)).not.toHaveProperty('incident_id');
  });
});
