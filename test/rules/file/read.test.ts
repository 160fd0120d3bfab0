// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is how rules files refer to environment variables
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type FileProblem, formatProblem } from '../../../src/rules/file/document.js';
import { rulesFileJsonSchema } from '../../../src/rules/file/json-schema.js';
import { checkRulesText, readRulesFile } from '../../../src/rules/file/read.js';
// The channel registry registers the channel types rules files are checked against.
import '../../../src/alerts/channels/registry.js';
import { RULE_KINDS } from '../../../src/rules/kinds/registry.js';

const FILE = 'rules.yaml';

/** The problems of a file's text, each as `line:column path: message`. */
function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  const result = checkRulesText(text, FILE, env);
  if (result.ok) return [];
  return result.problems.map((p: FileProblem) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
}

const VALID = `rules:
  - kind: app
    app_name: checkout
    max_duration: 800
    alert_channels: [email]
  - kind: message
    app_name: checkout
    message_key: POST /pay
    max_duration: 1200
    alert_channels: [email, slack]
  - kind: latency
    name: pay p95
    app_name: checkout
    statistic: p95
    threshold: 900
    alert_channels: [slack]
  - kind: absence
    name: checkout quiet
    app_name: checkout
    silent_minutes: 15
    alert_channels: [email]
  - kind: slo
    name: pay slo
    app_name: checkout
    threshold_ms: 500
    objective: 99.5
    alert_channels: [webhook]
targets:
  - name: ops
    type: slack
    external_id: "\${SLACK_URL}"
  - name: oncall
    type: email
    external_id: oncall@example.com
`;
const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/secretsecret';

describe('reading a rules file', () => {
  it('gives every rule and target as its create body, with its line; ${NAME} from the environment', () => {
    const result = checkRulesText(VALID, FILE, { SLACK_URL });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.document.rules.map((r) => [r.kind, r.line])).toEqual([
      ['app', 2],
      ['message', 6],
      ['latency', 11],
      ['absence', 17],
      ['slo', 22],
    ]);
    expect(result.document.rules[1]?.body).toEqual({
      app_name: 'checkout',
      message_key: 'POST /pay',
      max_duration: 1200,
      alert_channels: ['email', 'slack'],
    });
    expect(result.document.targets).toEqual([
      { body: { name: 'ops', type: 'slack', external_id: SLACK_URL }, line: 29 },
      { body: { name: 'oncall', type: 'email', external_id: 'oncall@example.com' }, line: 32 },
    ]);
  });

  it('takes $${ as a literal ${ and leaves other dollars alone; names in NFC', () => {
    const text = `rules:\n  - kind: app\n    app_name: "cafe\\u0301 $\${x} $5"\n    max_duration: 1\n    alert_channels: [email]\n`;
    const result = checkRulesText(text, FILE, {});
    expect(result.ok && result.document.rules[0]?.body.app_name).toBe('café ${x} $5');
  });

  it('an empty file or empty lists are no rules and no targets', () => {
    expect(checkRulesText('', FILE, {})).toEqual({ ok: true, document: { rules: [], targets: [] } });
    expect(checkRulesText('rules:\ntargets: []\n', FILE, {})).toEqual({
      ok: true,
      document: { rules: [], targets: [] },
    });
  });

  it('schema problems: each at its value, an unknown field at its key, a missing one at its item', () => {
    const text = `rules:
  - kind: message
    app_name: checkout
    message_key: POST /pay
    max_duration: -5
    alert_channels: [email, pigeon]
    colour: red
  - kind: absence
    app_name: " padded"
`;
    expect(problemsOf(text)).toEqual([
      '5:19 rules.0.max_duration: must be > 0',
      '6:29 rules.0.alert_channels.1: must be one of: telegram_chat, telegram_group, email, webhook, slack, teams, discord, google_chat, pagerduty',
      '7:5 rules.0.colour: is not a known field',
      '8:5 rules.1.name: is required',
      '8:5 rules.1.alert_channels: is required',
      '8:5 rules.1.silent_minutes: is required',
      expect.stringMatching(/^9:15 rules\.1\.app_name: must match pattern/),
    ]);
  });

  it('an unknown or missing kind names the kinds there are (from the registry)', () => {
    const kinds = RULE_KINDS.map((k) => k.name).join(', ');
    const text = 'rules:\n  - kind: nope\n    app_name: x\n  - app_name: y\n  - just text\n';
    expect(problemsOf(text)).toEqual([
      `2:11 rules.0.kind: must be one of: ${kinds}`,
      `4:5 rules.1.kind: is required: one of ${kinds}`,
      `5:5 rules.2: must be a mapping with kind: (${kinds}) and that kind's fields`,
    ]);
  });

  it('cross-field checks of the kinds, at the field they name', () => {
    const text = `rules:
  - kind: latency
    name: both
    app_name: a
    statistic: p95
    threshold: 900
    baseline: { compare_to: 1d, ratio: 2 }
    alert_channels: [email]
  - kind: slo
    name: burns
    app_name: a
    threshold_ms: 5
    objective: 99
    alert_channels: [email]
    burn_alerts:
      - { long_minutes: 5, short_minutes: 10, factor: 2 }
  - kind: app
    app_name: counted
    max_duration: 9
    alert_channels: [email]
    min_count: 3
`;
    expect(problemsOf(text)).toEqual([
      '6:16 rules.0.threshold: give exactly one of threshold and baseline',
      '16:43 rules.1.burn_alerts.0.short_minutes: must be shorter than long_minutes',
      '17:5 rules.2.window_minutes: must be at least 1 when min_count is above 1 (the window to count in)',
    ]);
  });

  it('duplicate natural keys, at the second one, naming the first', () => {
    const text = `rules:
  - { kind: app, app_name: a, max_duration: 1, alert_channels: [email] }
  - { kind: app, app_name: a, max_duration: 2, alert_channels: [email] }
  - { kind: message, app_name: a, message_key: k, max_duration: 1, alert_channels: [email] }
  - { kind: message, app_name: a, message_key: k, max_duration: 1, alert_channels: [email] }
  - { kind: message, app_name: a, message_key: k2, max_duration: 1, alert_channels: [email] }
  - { kind: latency, name: n, app_name: a, statistic: p95, threshold: 1, alert_channels: [email] }
  - { kind: absence, name: n, app_name: a, silent_minutes: 5, alert_channels: [email] }
targets:
  - { name: ops, type: email, external_id: a@example.com }
  - { name: ops, type: webhook, external_id: "https://example.com/h" }
`;
    expect(problemsOf(text)).toEqual([
      '3:28 rules.1.app_name: duplicates the app a at line 2',
      '5:48 rules.3.message_key: duplicates the message a k at line 4',
      '8:28 rules.6.name: duplicates the latency "n" at line 7',
      '11:13 targets.1.name: duplicates the target named "ops" (target names are unique, whatever the type) at line 10',
    ]);
  });

  it('a missing environment variable is a problem at the reference itself; a malformed one too', () => {
    const text = `targets:
  - name: ops
    type: webhook
    external_id: "https://example.com/\${HOOK_PATH}"
  - name: mail
    type: email
    external_id: \${MAIL} and \${bad-name}
`;
    expect(problemsOf(text)).toEqual([
      '4:39 targets.0.external_id: environment variable HOOK_PATH is not set',
      '7:18 targets.1.external_id: environment variable MAIL is not set',
      '7:30 targets.1.external_id: ${bad-name} is not a reference: expected ${NAME} (letters, digits, _) or $${ for a literal ${',
    ]);
    expect(problemsOf(text, { HOOK_PATH: 'x', MAIL: 'a@example.com' })).toEqual([
      '7:30 targets.1.external_id: ${bad-name} is not a reference: expected ${NAME} (letters, digits, _) or $${ for a literal ${',
    ]);
  });

  it("a target's address is checked against its channel, as the API does", () => {
    const text = 'targets:\n  - name: ops\n    type: email\n    external_id: not-an-address\n';
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^4:18 targets\.0\.external_id: /)]);
  });

  it('YAML syntax errors, several documents and unknown top-level fields, with positions', () => {
    expect(problemsOf('rules:\n  - kind: app\n    app_name: [unclosed\n')).toEqual([expect.stringMatching(/^4:1 : /)]);
    expect(problemsOf('rules: []\ntargets: []\nrules: []\n')).toEqual([
      expect.stringMatching(/^3:1 : Map keys must be unique/),
    ]);
    expect(problemsOf('rules: []\n---\ntargets: []\n')).toEqual([
      '2:1 : one YAML document expected; the file holds 2 (drop the ---)',
    ]);
    expect(problemsOf('rule: []\ntargets: {}\n')).toEqual([
      '1:1 rule: is not a known field (rules:, targets:)',
      '2:10 targets: must be a list of targets',
    ]);
    expect(problemsOf('- a\n')).toEqual(['1:1 : must be a mapping with rules: (a list) and targets: (a list)']);
  });

  it('readRulesFile reads the file; a missing file is one problem; problems print as file:line:column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagwatch-rules-read-'));
    try {
      const path = join(dir, 'r.yaml');
      writeFileSync(path, 'rules:\n  - kind: app\n    app_name: a\n    max_duration: 0\n    alert_channels: [email]\n');
      const result = await readRulesFile(path, {});
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.problems.map(formatProblem)).toEqual([`${path}:4:19: rules.0.max_duration: must be > 0`]);
      const missing = await readRulesFile(join(dir, 'none.yaml'), {});
      expect(missing).toEqual({
        ok: false,
        problems: [{ file: join(dir, 'none.yaml'), line: 1, column: 1, path: '', message: 'no such file' }],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the JSON Schema of a rules file', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(rulesFileJsonSchema());

  it('is one of the kinds per rule, told apart by kind, and accepts a valid file', () => {
    const schema = rulesFileJsonSchema() as {
      properties: { rules: { items: { oneOf: { properties: { kind: unknown } }[] } } };
    };
    expect(schema.properties.rules.items.oneOf.map((s) => s.properties.kind)).toEqual(
      RULE_KINDS.map((k) => ({ const: k.name, description: `The rule's kind: ${k.name}` })),
    );
    expect(validate(parse(VALID.replace('${SLACK_URL}', SLACK_URL)))).toBe(true);
  });

  it('refuses what the file check refuses: a wrong field, an unknown channel, an unknown kind', () => {
    const bad = (rule: object) => validate({ rules: [rule] });
    const base = { kind: 'app', app_name: 'a', max_duration: 1, alert_channels: ['email'] };
    expect(bad(base)).toBe(true);
    expect(bad({ ...base, max_duration: 0 })).toBe(false);
    expect(bad({ ...base, alert_channels: ['pigeon'] })).toBe(false);
    expect(bad({ ...base, colour: 'red' })).toBe(false);
    expect(bad({ ...base, kind: 'nope' })).toBe(false);
    expect(validate({ targets: [{ name: 'x', type: 'email' }] })).toBe(false);
  });
});
