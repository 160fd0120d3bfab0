import { afterAll, describe, expect, it } from 'vitest';
import { formatRelativeTime, parseDuration, parseRelativeTime } from '../../../src/rule-tests/relative-time.js';
import { replayTicks } from '../../../src/rule-tests/replay.js';
import { replayConfig } from '../../../src/rule-tests/replay-world.js';
import { runRuleTests } from '../../../src/rule-tests/runner.js';
import { parseRuleTestFile } from '../../../src/rule-tests/test-file.js';
import { rulesTestFolder } from './rules-test-support.js';

const MINUTE = 60_000;
const fields = replayConfig().fields;

describe('relative times', () => {
  it('reads signed offsets in d, h, m and s, and 0', () => {
    const ms = (text: unknown) => {
      const parsed = parseRelativeTime(text);
      return parsed.ok ? parsed.ms : parsed.reason;
    };
    expect(ms('-90s')).toBe(-90_000);
    expect(ms('-4m')).toBe(-4 * MINUTE);
    expect(ms('-1h')).toBe(-60 * MINUTE);
    expect(ms('+1h')).toBe(60 * MINUTE);
    expect(ms('-1h30m')).toBe(-90 * MINUTE);
    expect(ms('-2d')).toBe(-2 * 1440 * MINUTE);
    expect(ms(0)).toBe(0);
    expect(ms('0')).toBe(0);
    expect(ms('4m')).toBe('"4m" needs a sign: -4m (before the evaluation time) or +4m (after it)');
    expect(ms('-4x')).toMatch(/^"-4x" is not a signed offset such as -90s/);
    expect(ms('-30m1h')).toBe('"-30m1h": give each unit once, largest first (e.g. -1h30m)');
    expect(ms('-1m1m')).toMatch(/give each unit once/);
    expect(ms(5)).toMatch(/^must be a signed offset/);
    expect(ms('')).toMatch(/is not a signed offset/);
  });

  it('writes offsets back as a test file would', () => {
    expect([-4 * MINUTE, 90_000, -90 * MINUTE, 0, -1, 86_400_000].map(formatRelativeTime)).toEqual([
      '-4m',
      '+1m30s',
      '-1h30m',
      '0',
      '-1ms',
      '+1d',
    ]);
    for (const text of ['-90s', '-4m', '-1h', '+1h', '-1d2h3m4s']) {
      const parsed = parseRelativeTime(text);
      expect(parsed.ok && formatRelativeTime(parsed.ms)).toBe(text === '-90s' ? '-1m30s' : text);
    }
  });

  it('reads evaluation intervals', () => {
    expect(parseDuration('30s')).toEqual({ ok: true, ms: 30_000 });
    expect(parseDuration('2m')).toEqual({ ok: true, ms: 120_000 });
    expect(parseDuration('-1m')).toMatchObject({ ok: false });
    expect(parseDuration('0s')).toEqual({ ok: false, reason: 'must be longer than 0' });
  });
});

describe('the replay ticks', () => {
  const end = Date.UTC(2026, 0, 10, 12, 0);
  it('every interval from the first log (or the longest pending time) to the evaluation time', () => {
    const ticks = (logTimes: number[], leadMs = 0, intervalMs = MINUTE) =>
      replayTicks({ evaluationTime: end, intervalMs, logTimes, leadMs }).map((t) => (t - end) / MINUTE);
    expect(ticks([end - 4 * MINUTE, end - 3 * MINUTE])).toEqual([-4, -3, -2, -1, 0]);
    // A log between ticks arrives at the next one.
    expect(ticks([end - 90_000])).toEqual([-1, 0]);
    expect(ticks([])).toEqual([0]);
    expect(ticks([end - MINUTE], 3 * MINUTE)).toEqual([-3, -2, -1, 0]);
    expect(ticks([end - 4 * MINUTE], 0, 2 * MINUTE)).toEqual([-4, -2, 0]);
    // Older than the dense span (6 h): only the ticks its logs arrive at.
    expect(ticks([end - 7 * 1440 * MINUTE, end - 7 * 1440 * MINUTE + 30_000, end - 2 * MINUTE])).toEqual([
      -7 * 1440,
      -7 * 1440 + 1,
      -2,
      -1,
      0,
    ]);
  });
});

describe('rule test files', () => {
  const parse = (text: string) => parseRuleTestFile('tests.yaml', text, fields);
  const problems = (text: string) => {
    const result = parse(text);
    if (result.ok) throw new Error('expected problems');
    return result.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  };

  it('reads the format of DESIGN.md, with defaults, silences and an evaluation time', () => {
    const result = parse(`rules_file: rules/main.yaml
evaluation_interval: 30s
tests:
  - name: slow checkout pages
    at: -1h
    defaults: { app_name: checkout, repeat: 2 }
    logs:
      - { at: -4m, message_key: "POST /pay", duration: 1200 }
      - { at: -3m, message_key: "POST /pay", duration: "100", repeat: 50 }
    silences:
      - { app_name: checkout, message_key: "POST /pay", from: -10m, to: +1h }
      - { app_name: checkout, to: 0 }
    expect:
      violations: 1
      firing: ["pay p95"]
      notifications: 1
`);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const { suite } = result;
    expect(suite.rulesFile).toMatch(/\/rules\/main\.yaml$/);
    expect(suite.intervalMs).toBe(30_000);
    const [test] = suite.tests;
    expect(test).toMatchObject({
      name: 'slow checkout pages',
      position: { line: 4, column: 5 },
      atMs: -60 * MINUTE,
      expect: { violations: 1, firing: ['pay p95'], notifications: 1 },
    });
    expect(test?.logs).toEqual([
      { atMs: -4 * MINUTE, repeat: 2, fields: { app_name: 'checkout', message_key: 'POST /pay', duration: 1200 } },
      { atMs: -3 * MINUTE, repeat: 50, fields: { app_name: 'checkout', message_key: 'POST /pay', duration: '100' } },
    ]);
    expect(test?.silences).toEqual([
      { appName: 'checkout', messageKey: 'POST /pay', fromMs: -10 * MINUTE, toMs: 60 * MINUTE, comment: null },
      { appName: 'checkout', messageKey: null, fromMs: null, toMs: 0, comment: null },
    ]);
  });

  it('gives every problem with its line and column', () => {
    expect(
      problems(`rules_file: rules.yaml
tests:
  - name: one
    logs:
      - { at: 4m, app_name: a, duration: 5 }
      - { at: +1m, app_name: a }
      - { at: -1m, app_name: a, duration: -3 }
      - { at: -1m, app_name: a, duration: "soon" }
    silences:
      - { app_name: a, from: -1m, to: -2m }
    expect: { violations: 1 }
  - name: one
    at: yesterday
    expect: { violations: 0 }
`),
    ).toEqual([
      '5:15 tests.0.logs.0.at: "4m" needs a sign: -4m (before the evaluation time) or +4m (after it)',
      '6:15 tests.0.logs.1.at: a log must be written at or before the evaluation time (0 or a negative offset)',
      '7:43 tests.0.logs.2.duration: not a valid log: duration is negative',
      '10:39 tests.0.silences.0.to: must be after `from`',
      '12:11 tests.1.name: is the name of test 1 too',
      '13:9 tests.1.at: "yesterday" is not a signed offset such as -90s, -4m, -1h30m, +1h or -2d (units d, h, m, s), or 0',
    ]);
  });

  it('refuses unknown keys (expectations too), naming what is expected, and wrong types', () => {
    expect(
      problems(`rules_file: rules.yaml
tests:
  - name: one
    logs:
      - { at: -1m, app: a, duration: [1] }
      - { at: { m: 1 } }
    expect:
      violations: 1
      fired: ["x"]
      notifications: many
`),
    ).toEqual([
      '5:20 tests.0.logs.0.app: is not a known field (expected one of: at, repeat, app_name, message_key, duration, correlation_id, level, message)',
      '5:38 tests.0.logs.0.duration: must be a number of milliseconds (or a number as text)',
      '6:15 tests.0.logs.1.at: must be a signed offset such as -90s, -4m, -1h30m, +1h or -2d (units d, h, m, s), or 0',
      '9:7 tests.0.expect.fired: is not a known field (expected one of: violations, firing, notifications)',
      '10:22 tests.0.expect.notifications: must be integer',
    ]);
    expect(problems('rules_file: r.yaml\ntests:\n  - name: x\n    expect: {}\n')).toEqual([
      '4:13 tests.0.expect: must be a map of one or more of violations, firing and notifications',
    ]);
    expect(problems('tests: []\n')).toEqual([
      '1:1 rules_file: is required',
      '1:8 tests: must be a list of one or more tests',
    ]);
  });

  it('YAML syntax errors point at where the parser stopped', () => {
    expect(problems('rules_file: r.yaml\ntests:\n  - name: [x\n')).toEqual([expect.stringMatching(/^4:1 : YAML: /)]);
  });

  describe('checked against the rules file', () => {
    const folder = rulesTestFolder();
    afterAll(() => folder.close());

    it('an expected firing rule must be a window rule of the rules file; problems of the rules file are its own', async () => {
      folder.write(
        'rules.yaml',
        'rules:\n  - { kind: absence, name: quiet, app_name: a, silent_minutes: 5, alert_channels: [webhook] }\n',
      );
      const tests = folder.write(
        'tests.yaml',
        'rules_file: rules.yaml\ntests:\n  - name: t\n    expect:\n      firing: [quiet, loud]\n',
      );
      const result = await runRuleTests(tests, { env: {} });
      expect(result).toEqual({
        ok: false,
        problems: [
          {
            file: tests,
            line: 5,
            column: 23,
            path: 'tests.0.expect.firing.1',
            message: `no window rule is named "loud" in ${folder.dir}/rules.yaml (its window rules: quiet)`,
          },
        ],
      });
      const missing = folder.write(
        'missing.yaml',
        'rules_file: nowhere.yaml\ntests:\n  - name: t\n    expect: { violations: 0 }\n',
      );
      const refused = await runRuleTests(missing, { env: {} });
      expect(refused.ok).toBe(false);
      expect(!refused.ok && refused.problems[0]?.file).toBe(`${folder.dir}/nowhere.yaml`);
    });
  });
});
