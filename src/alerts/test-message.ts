import type { AlertNotification } from './notification.js';

/** The notification `test:telegram` and `test:email` send: clearly a test, rendered like a real one. */
export function testNotification(publicUrl: string, now: number = Date.now()): AlertNotification {
  return {
    ruleType: 'app',
    ruleId: 0,
    app: 'lagwatch-test',
    messageKey: 'test.message',
    thresholdMs: 1000,
    count: 1,
    sinceLastAlert: 1,
    worstMs: 1234,
    p95Ms: 1234,
    firstAt: now,
    lastAt: now,
    samples: [
      {
        correlationId: 'test-correlation-id',
        durationMs: 1234,
        time: now,
        message: 'This is a test message from lagwatch: if you can read it, this channel works.',
        traceUrl: null,
      },
    ],
    dashboardUrl: `${publicUrl}/`,
  };
}
