import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lagwatch } from '../../support/cli.js';
import { rulesTestFolder } from './rules-test-support.js';

const RULES = `rules:
  - kind: message
    app_name: checkout
    message_key: "POST /pay"
    max_duration: 800
    cooldown_minutes: 10
    alert_channels: [webhook]
  - kind: latency
    name: pay p95
    app_name: checkout
    message_key: "POST /pay"
    statistic: p95
    threshold: 800
    min_samples: 10
    alert_channels: [webhook]
targets:
  - { name: hooks, type: webhook, external_id: "https://hooks.example.com/lagwatch" }
`;

const PASSING = `rules_file: rules.yaml
tests:
  - name: slow checkout pages
    defaults: { app_name: checkout, message_key: "POST /pay" }
    logs:
      - { at: -4m, duration: 1200 }
      - { at: -3m, duration: 1500, repeat: 20 }
    expect:
      violations: 21
      firing: ["pay p95"]
      notifications: 2
  - name: fast checkout pages
    defaults: { app_name: checkout, message_key: "POST /pay" }
    logs:
      - { at: -90s, duration: 100, repeat: 30 }
    expect: { violations: 0, firing: [], notifications: 0 }
`;

const FAILING = `rules_file: rules.yaml
tests:
  - name: fast checkout pages
    defaults: { app_name: checkout, message_key: "POST /pay" }
    logs:
      - { at: -90s, duration: 100, repeat: 30 }
    expect: { violations: 0 }
  - name: one slow payment
    defaults: { app_name: checkout, message_key: "POST /pay" }
    logs:
      - { at: -4m, duration: 1200 }
      - { at: -2m, duration: 1300 }
      - { at: -2m, duration: 100, repeat: 60 }
    expect:
      violations: 1
      firing: ["pay p95"]
      notifications: 2
`;

/**
 * `lagwatch rules:test` through the real CLI, in a folder where the state database and the
 * embedded log store are configured to files: a run must create neither (nor any other file).
 */
describe('lagwatch rules:test', { timeout: 180_000 }, () => {
  const folder = rulesTestFolder('lagwatch-rules-test-cli-');
  afterAll(() => folder.close());
  folder.write('rules.yaml', RULES);
  folder.write('passing.yaml', PASSING);
  const failing = folder.write('failing.yaml', FAILING);
  const env = {
    DB_DRIVER: 'sqlite',
    DB_DATABASE: join(folder.dir, 'state/lagwatch.db'),
    EMBEDDED_LOG_DB: join(folder.dir, 'state/logs.db'),
    DATABASE_URL: `sqlite://${join(folder.dir, 'state/url.db')}`,
  };

  it('exits 0 when every test passes, touching no database or log store on disk', async () => {
    const result = await lagwatch(['rules:test', 'passing.yaml'], env, folder.dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('ok    slow checkout pages\nok    fast checkout pages\n\n2 tests passed\n');
    // Only the files the test wrote: no state/, no data/ (the defaults' folder), no WAL files.
    expect(readdirSync(folder.dir).sort()).toEqual(['failing.yaml', 'passing.yaml', 'rules.yaml']);
    expect(existsSync(env.DB_DATABASE)).toBe(false);
  });

  it('exits 1 naming each failing test with expected and got, and what happened', async () => {
    const result = await lagwatch(['rules:test', failing], env, folder.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('lagwatch: 1 of 2 rule tests failed\n');
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'ok    fast checkout pages',
      `FAIL  one slow payment  (${failing}:8)`,
      '  violations: expected 1, got 2',
      '  firing: expected ["pay p95"], got []',
      '    not firing: ["pay p95"]',
    ]);
    expect(lines[5]).toBe('  notifications: expected 2, got 1');
    expect(lines[6]).toMatch(
      /^ {2}what happened \(evaluation time \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z; 5 scans, every 1m\):$/,
    );
    expect(lines.slice(7, 10)).toEqual([
      '    violations recorded: 2',
      '      message rule checkout POST /pay: 2',
      '    window rules at the evaluation time:',
    ]);
    expect(lines[10]).toMatch(
      /^ {6}latency rule "pay p95" \(POST \/pay\): ok; value \d+(\.\d)? ms, threshold 800 ms, 62 logs$/,
    );
    expect(lines.slice(11)).toEqual([
      '    notifications: 2 queued, 1 would be sent:',
      '      at -4m: message rule checkout POST /pay, alert: would be sent',
      '      at -2m: message rule checkout POST /pay, alert: suppressed (in cooldown)',
      '',
      '1 of 2 tests failed',
      '',
    ]);
    expect(readdirSync(folder.dir).sort()).toEqual(['failing.yaml', 'passing.yaml', 'rules.yaml']);
  });

  it('--json: every test with its failures and what happened', async () => {
    const result = await lagwatch(['rules:test', 'failing.yaml', '--json'], env, folder.dir);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ file: 'failing.yaml', evaluation_interval: '1m', passed: 1, failed: 1 });
    expect(report.rules_file).toBe(join(folder.dir, 'rules.yaml'));
    const [fast, slow] = report.tests;
    expect(fast).toMatchObject({ name: 'fast checkout pages', line: 3, passed: true, failures: [] });
    expect(slow).toMatchObject({
      name: 'one slow payment',
      passed: false,
      failures: [
        { expectation: 'violations', expected: 1, got: 2 },
        { expectation: 'firing', expected: ['pay p95'], got: [], missing: ['pay p95'], unexpected: [] },
        { expectation: 'notifications', expected: 2, got: 1 },
      ],
      happened: { scans: 5, violations: 2, firing: [], notifications: 1 },
    });
    expect(slow.happened.queued).toEqual([
      { at: '-4m', rule: 'message rule checkout POST /pay', event: 'alert', status: 'pending', reason: null },
      {
        at: '-2m',
        rule: 'message rule checkout POST /pay',
        event: 'alert',
        status: 'suppressed',
        reason: 'in cooldown',
      },
    ]);
  });

  it('a bad test file: every problem with file, line and column, and no test run', async () => {
    folder.write(
      'bad.yaml',
      `rules_file: rules.yaml
tests:
  - name: typo
    logs:
      - { at: -1m, app_name: checkout, durration: 1200 }
    expect: { violation: 1, firing: ["pay p99"] }
`,
    );
    const result = await lagwatch(['rules:test', 'bad.yaml'], env, folder.dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'bad.yaml:5:40: tests.0.logs.0.durration: is not a known field (expected one of: at, repeat, app_name, message_key, duration, correlation_id, level, message)',
        'bad.yaml:6:15: tests.0.expect.violation: is not a known field (expected one of: violations, firing, notifications)',
        'lagwatch: rules:test: 2 problems, no test run',
        '',
      ].join('\n'),
    );
    folder.write('bad.yaml', 'rules_file: rules.yaml\ntests:\n  - name: t\n    expect: { firing: ["pay p99"] }\n');
    const unknownRule = await lagwatch(['rules:test', 'bad.yaml', '--json'], env, folder.dir);
    expect(unknownRule.code).toBe(1);
    expect(JSON.parse(unknownRule.stdout)).toEqual({
      problems: [
        {
          file: 'bad.yaml',
          line: 4,
          column: 24,
          path: 'tests.0.expect.firing.0',
          message: `no window rule is named "pay p99" in ${join(folder.dir, 'rules.yaml')} (its window rules: pay p95)`,
        },
      ],
    });
    const missing = await lagwatch(['rules:test', 'nowhere.yaml'], env, folder.dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('nowhere.yaml:1:1: no such file\nlagwatch: rules:test: 1 problem, no test run\n');
    expect(readdirSync(folder.dir).sort()).toEqual(['bad.yaml', 'failing.yaml', 'passing.yaml', 'rules.yaml']);
  });
});
