import { afterAll, describe, expect, it } from 'vitest';
import type { ReplayOutcome } from '../../../src/rule-tests/outcome.js';
import type { RuleTestRun } from '../../../src/rule-tests/runner.js';
import { notificationsOf, rulesTestFolder, runTests } from './rules-test-support.js';

/**
 * `rules:test`'s replay, kind by kind, through the real scanner and window evaluation: each case
 * asserts what the replay found (violations, series, every notification and its status), and
 * that a test expecting exactly that passes while one expecting otherwise fails.
 */
describe('rules:test replays every rule kind', { timeout: 120_000 }, () => {
  const folder = rulesTestFolder();
  afterAll(() => folder.close());

  let files = 0;
  async function replay(rules: string, tests: string, head = '', now?: number): Promise<RuleTestRun> {
    const n = ++files;
    folder.write(`rules-${n}.yaml`, rules);
    return runTests(folder.write(`tests-${n}.yaml`, `rules_file: rules-${n}.yaml\n${head}tests:\n${tests}`), now);
  }
  const named = (run: RuleTestRun, name: string) => {
    const result = run.results.find((r) => r.name === name);
    if (!result?.outcome) throw new Error(`no outcome for ${name}: ${result?.error}`);
    return result as typeof result & { outcome: ReplayOutcome };
  };

  it('message and app rules: one violation per slow log, decided by the message rule when there is one', async () => {
    const run = await replay(
      `rules:
  - { kind: app, app_name: shop, max_duration: 1000, alert_channels: [webhook] }
  - { kind: message, app_name: shop, message_key: "POST /pay", max_duration: 500, alert_channels: [webhook] }
`,
      `  - name: counts
    defaults: { app_name: shop }
    logs:
      - { at: -3m, message_key: "POST /pay", duration: 600 }
      - { at: -3m, message_key: "POST /pay", duration: 400 }
      - { at: -2m, message_key: "POST /pay", duration: 1200, repeat: 2 }
      - { at: -2m, message_key: "GET /", duration: 1200 }
      - { at: -1m, message_key: "GET /", duration: 900 }
      - { at: -1m, app_name: other, duration: 99999 }
    expect: { violations: 4, notifications: 3 }
  - name: wrong count
    defaults: { app_name: shop, message_key: "POST /pay" }
    logs: [{ at: -1m, duration: 600 }]
    expect: { violations: 2 }
`,
    );
    const counts = named(run, 'counts');
    expect(counts.failures).toEqual([]);
    expect(counts.outcome.violations).toBe(4);
    expect(counts.outcome.violationsByRule).toEqual(
      expect.arrayContaining([
        { rule: 'message rule shop POST /pay', count: 3 },
        { rule: 'app rule shop', count: 1 },
      ]),
    );
    // The message rule notifies at -3m and -2m (no cooldown), the app rule at -2m.
    expect(notificationsOf(counts.outcome)).toEqual(['-3m alert pending', '-2m alert pending', '-2m alert pending']);
    expect(named(run, 'wrong count').failures).toEqual([{ expectation: 'violations', expected: 2, got: 1 }]);
    expect(run.failed).toBe(1);
  });

  it('the evaluation time is now, to the minute, moved by `at`; evaluation_interval spaces the scans', async () => {
    const now = Date.UTC(2026, 4, 1, 10, 30, 42);
    const run = await replay(
      `rules:
  - { kind: message, app_name: shop, message_key: "POST /pay", max_duration: 500, alert_channels: [webhook] }
`,
      `  - name: two hours ago
    at: -2h
    logs: [{ at: -2m, app_name: shop, message_key: "POST /pay", duration: 900 }, { at: -45s, app_name: shop, message_key: "POST /pay", duration: 900 }]
    expect: { violations: 2, notifications: 2 }
`,
      'evaluation_interval: 30s\n',
      now,
    );
    const { outcome } = named(run, 'two hours ago');
    expect(run.failed).toBe(0);
    expect(new Date(outcome.evaluationTime).toISOString()).toBe('2026-05-01T08:30:00.000Z');
    // Scans at -2m, -1m30s, -1m, -30s and 0; the log at -45s arrives at -30s.
    expect(outcome.scans).toBe(5);
    expect(notificationsOf(outcome)).toEqual(['-2m alert pending', '-0.5m alert pending']);
  });

  it('a count window (min_count 3 in 5 min) notifies only at the third violation', async () => {
    const rules = `rules:
  - kind: message
    app_name: shop
    message_key: "GET /search"
    max_duration: 300
    min_count: 3
    window_minutes: 5
    alert_channels: [webhook]
`;
    const run = await replay(
      rules,
      `  - name: three in five minutes
    defaults: { app_name: shop, message_key: "GET /search", duration: 400 }
    logs: [{ at: -4m }, { at: -3m }, { at: -2m }]
    expect: { violations: 3, notifications: 1 }
  - name: two only
    defaults: { app_name: shop, message_key: "GET /search", duration: 400 }
    logs: [{ at: -4m }, { at: -2m }]
    expect: { violations: 2, notifications: 0 }
  - name: three too far apart
    defaults: { app_name: shop, message_key: "GET /search", duration: 400 }
    logs: [{ at: -20m }, { at: -10m }, { at: -1m }]
    expect: { violations: 3, notifications: 0 }
`,
    );
    expect(run.failed).toBe(0);
    const three = named(run, 'three in five minutes').outcome;
    expect(notificationsOf(three)).toEqual(['-4m alert suppressed', '-3m alert suppressed', '-2m alert pending']);
    expect(three.notifications[0]?.reason).toBe('below count: 1 of 3 violations in the last 5 min');
    expect(three.notifications[1]?.reason).toBe('below count: 2 of 3 violations in the last 5 min');
    expect(notificationsOf(named(run, 'two only').outcome)).toEqual(['-4m alert suppressed', '-2m alert suppressed']);
  });

  it('a cooldown holds back the second notification; one past it is sent', async () => {
    const run = await replay(
      `rules:
  - { kind: message, app_name: shop, message_key: "GET /cart", max_duration: 300, cooldown_minutes: 10, alert_channels: [webhook, email] }
`,
      `  - name: within the cooldown
    defaults: { app_name: shop, message_key: "GET /cart", duration: 400 }
    logs: [{ at: -8m }, { at: -2m }]
    expect: { violations: 2, notifications: 1 }
  - name: past the cooldown
    defaults: { app_name: shop, message_key: "GET /cart", duration: 400 }
    logs: [{ at: -14m }, { at: -2m }]
    expect: { violations: 2, notifications: 2 }
`,
    );
    expect(run.failed).toBe(0);
    // Two channels, one notification each time: a notification is counted once, whatever its targets.
    const within = named(run, 'within the cooldown').outcome;
    expect(notificationsOf(within)).toEqual(['-8m alert pending', '-2m alert suppressed']);
    expect(within.notifications[1]?.reason).toBe('in cooldown');
    expect(notificationsOf(named(run, 'past the cooldown').outcome)).toEqual([
      '-14m alert pending',
      '-2m alert pending',
    ]);
  });

  it('a silence holds notifications back while violations are still recorded', async () => {
    const run = await replay(
      `rules:
  - { kind: message, app_name: shop, message_key: "POST /pay", max_duration: 500, alert_channels: [webhook] }
`,
      `  - name: silenced
    defaults: { app_name: shop, message_key: "POST /pay", duration: 900 }
    logs: [{ at: -3m }, { at: -1m }]
    silences: [{ app_name: shop, from: -10m, to: +1h }]
    expect: { violations: 2, notifications: 0 }
  - name: another key's silence
    defaults: { app_name: shop, message_key: "POST /pay", duration: 900 }
    logs: [{ at: -3m }, { at: -1m }]
    silences: [{ app_name: shop, message_key: "GET /", to: +1h }]
    expect: { violations: 2, notifications: 2 }
  - name: a silence that ended
    defaults: { app_name: shop, message_key: "POST /pay", duration: 900 }
    logs: [{ at: -3m }, { at: -1m }]
    silences: [{ app_name: shop, message_key: "POST /pay", from: -5m, to: -2m }]
    expect: { violations: 2, notifications: 1 }
`,
    );
    expect(run.failed).toBe(0);
    const silenced = named(run, 'silenced').outcome;
    expect(notificationsOf(silenced)).toEqual(['-3m alert silenced', '-1m alert silenced']);
    expect(silenced.notifications[0]?.reason).toMatch(/^silenced by silence 1 \(rules:test\) until /);
    expect(notificationsOf(named(run, 'a silence that ended').outcome)).toEqual([
      '-3m alert silenced',
      '-1m alert pending',
    ]);
  });

  it('latency: p95 over the threshold fires, under it does not; pending_minutes delays firing', async () => {
    const run = await replay(
      `rules:
  - { kind: latency, name: pay p95, app_name: shop, message_key: "POST /pay", statistic: p95, threshold: 800, min_samples: 10, alert_channels: [webhook] }
  - { kind: latency, name: search p95, app_name: shop, message_key: "GET /search", statistic: p95, threshold: 800, min_samples: 10, pending_minutes: 3, alert_channels: [webhook] }
`,
      `  - name: slow
    logs: [{ at: -2m, app_name: shop, message_key: "POST /pay", duration: 1000, repeat: 20 }]
    expect: { firing: ["pay p95"], notifications: 1 }
  - name: fast
    logs:
      - { at: -2m, app_name: shop, message_key: "POST /pay", duration: 100, repeat: 20 }
      - { at: -2m, app_name: shop, message_key: "POST /pay", duration: 5000 }
    expect: { firing: [], notifications: 0 }
  - name: pending for 2 of 3 minutes
    defaults: { app_name: shop, message_key: "GET /search", duration: 1000, repeat: 10 }
    logs: [{ at: -2m }, { at: -1m }, { at: 0 }]
    expect: { firing: [] }
  - name: held for 3 minutes
    defaults: { app_name: shop, message_key: "GET /search", duration: 1000, repeat: 10 }
    logs: [{ at: -3m }, { at: -2m }, { at: -1m }, { at: 0 }]
    expect: { firing: ["search p95"], notifications: 1 }
  - name: expects the wrong rule
    logs: [{ at: -2m, app_name: shop, message_key: "POST /pay", duration: 1000, repeat: 20 }]
    expect: { firing: ["search p95"] }
`,
    );
    // Percentiles are exact within 1 % (the embedded store's histograms).
    const pay = (name: string) => named(run, name).outcome.windowSeries.find((s) => s.name === 'pay p95');
    expect(pay('slow')).toMatchObject({ state: 'firing', threshold: 800, samples: 20 });
    expect(Math.abs((pay('slow')?.value ?? 0) - 1000)).toBeLessThan(10);
    expect(pay('fast')).toMatchObject({ state: 'ok', samples: 21 });
    expect(Math.abs((pay('fast')?.value ?? 0) - 100)).toBeLessThan(1);
    expect(named(run, 'pending for 2 of 3 minutes').outcome.windowSeries).toContainEqual(
      expect.objectContaining({ name: 'search p95', state: 'pending' }),
    );
    expect(notificationsOf(named(run, 'held for 3 minutes').outcome)).toEqual(['0m alert pending']);
    expect(named(run, 'expects the wrong rule').failures).toEqual([
      {
        expectation: 'firing',
        expected: ['search p95'],
        got: ['pay p95'],
        missing: ['search p95'],
        unexpected: ['pay p95'],
      },
    ]);
    expect(run.results.map((r) => r.passed)).toEqual([true, true, true, true, false]);
  });

  it('absence: an app that stopped logging fires once its silence is long enough', async () => {
    const run = await replay(
      `rules:
  - { kind: absence, name: billing silent, app_name: billing, silent_minutes: 10, alert_channels: [webhook] }
`,
      `  - name: stopped 20 minutes ago
    logs: [{ at: -20m, app_name: billing, duration: 10 }]
    expect: { firing: ["billing silent"], notifications: 1 }
  - name: still logging
    logs: [{ at: -20m, app_name: billing }, { at: -12m, app_name: billing }, { at: -4m, app_name: billing }]
    expect: { firing: [], notifications: 0 }
`,
    );
    expect(run.failed).toBe(0);
    const stopped = named(run, 'stopped 20 minutes ago').outcome;
    // The log at -20m is in the window (−30m, −20m] of the first evaluation, out of it 10 minutes on.
    expect(notificationsOf(stopped)).toEqual(['-10m alert pending']);
    expect(stopped.windowSeries).toEqual([expect.objectContaining({ state: 'firing', value: 0, unit: 'logs' })]);
  });

  it('slo: a burn over the factor in both windows fires; a small one does not', async () => {
    const run = await replay(
      `rules:
  - kind: slo
    name: checkout slo
    app_name: checkout
    threshold_ms: 500
    objective: 99
    burn_alerts: [{ long_minutes: 60, short_minutes: 5, factor: 14.4 }]
    alert_channels: [pagerduty]
`,
      `  - name: burning
    defaults: { app_name: checkout }
    logs:
      - { at: -30m, duration: 100, repeat: 100 }
      - { at: -3m, duration: 900, repeat: 30 }
      - { at: -3m, duration: 100, repeat: 30 }
    expect: { firing: ["checkout slo"], notifications: 1 }
  - name: within budget
    defaults: { app_name: checkout }
    logs:
      - { at: -30m, duration: 100, repeat: 1000 }
      - { at: -3m, duration: 900 }
    expect: { firing: [], notifications: 0 }
`,
    );
    expect(run.failed).toBe(0);
    const burning = named(run, 'burning').outcome;
    // Long window: 30 bad of 160 (18.75 % bad: 18.75×); short: 30 of 60 (50×).
    expect(burning.windowSeries[0]).toMatchObject({ state: 'firing', unit: '×', threshold: 14.4, samples: 160 });
    expect(burning.windowSeries[0]?.value).toBeCloseTo(18.75, 6);
    expect(notificationsOf(burning)).toEqual(['-3m alert pending']);
  });
});
