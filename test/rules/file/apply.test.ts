// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is how rules files refer to environment variables
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repositoriesFor } from '../../../src/app/context.js';
import { listChanges } from '../../../src/audit/audit-log.js';
import type { StateDb } from '../../../src/db/connection.js';
import { applyRulesDocument, PlanConflictError, type RulesPlan } from '../../../src/rules/file/apply.js';
import type { RulesDocument } from '../../../src/rules/file/document.js';
import { exportRules, exportYaml } from '../../../src/rules/file/export.js';
import { planLines } from '../../../src/rules/file/plan-text.js';
import { checkRulesText } from '../../../src/rules/file/read.js';
import { RULE_KINDS } from '../../../src/rules/kinds/registry.js';
import { ValidationError } from '../../../src/validation/problems.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'rules file apply');

const FILE = 'rules/prod.yaml';
/** The file's name in managed_by and the audit actor: its absolute path. */
const NAME = resolve(FILE);
const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0001/s3cr3ts3cr3t';
const ENV = { SLACK_URL };

const RULES = `rules:
  - kind: app
    app_name: checkout
    max_duration: 800
    alert_channels: [email]
  - kind: message
    app_name: checkout
    message_key: POST /pay
    max_duration: 1200
    alert_channels: [email, slack]
    cooldown_minutes: 5
  - kind: latency
    name: pay p95
    app_name: checkout
    message_key: POST /pay
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

function documentOf(text: string, env: Record<string, string> = ENV): RulesDocument {
  const result = checkRulesText(text, FILE, env);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return result.document;
}

describe.each(drivers)('applying a rules file over $driver', (driver) => {
  if (driver.skipReason) {
    it.skip(`skipped: ${driver.skipReason}`, () => {});
    return;
  }
  let state: StateDb;
  let close: () => Promise<void>;
  let clock = Date.parse('2026-03-01T10:00:00.000Z');
  const now = () => clock++;

  const apply = (text: string, options: { prune?: boolean; dryRun?: boolean; env?: Record<string, string> } = {}) =>
    applyRulesDocument(state.db, documentOf(text, options.env), {
      file: FILE,
      prune: options.prune ?? false,
      dryRun: options.dryRun ?? false,
      now,
    });
  const auditRows = async () =>
    state.db.selectFrom('audit_log').select(['actor', 'action', 'entity', 'entity_id']).orderBy('id').execute();
  const everything = async () => {
    const repos = repositoriesFor(state);
    const rules = await Promise.all(RULE_KINDS.map((k) => k.store(repos.ruleStores).all()));
    const targets = await repos.targets.list({}, { page: 1, per_page: 500 });
    return { rules: rules.flat(), targets: targets.items };
  };
  const counts = (plan: RulesPlan) => ({
    creates: plan.creates.length,
    updates: plan.updates.length,
    deletes: plan.deletes.length,
    unchanged: plan.unchanged.length,
    releases: plan.releases.length,
    kept: plan.kept.length,
  });
  const none = { creates: 0, updates: 0, deletes: 0, unchanged: 0, releases: 0, kept: 0 };

  beforeAll(async () => {
    ({ state, close } = await migratedStateDb(driver));
  });
  afterAll(async () => close());
  beforeEach(async () => {
    for (const table of ['app_rules', 'message_rules', 'window_rules', 'alert_targets', 'audit_log'] as const) {
      await state.db.deleteFrom(table).execute();
    }
  });

  it('creates every rule and target once, marked and audited as file:<path>; the same file again writes nothing', async () => {
    const first = await apply(RULES);
    expect(counts(first)).toEqual({ ...none, creates: 7 });
    expect(first.creates.map((e) => e.label)).toEqual([
      'app checkout',
      'message checkout POST /pay',
      'latency "pay p95"',
      'absence "checkout quiet"',
      'slo "pay slo"',
      'target slack "ops"',
      'target email "oncall"',
    ]);
    const stored = await everything();
    expect(stored.rules).toHaveLength(5);
    expect([...stored.rules, ...stored.targets].every((e) => e.managed_file === NAME)).toBe(true);
    expect(stored.targets.find((t) => t.name === 'ops')?.external_id).toBe(SLACK_URL);
    const audit = await auditRows();
    expect(audit).toHaveLength(7);
    expect(new Set(audit.map((a) => `${a.actor} ${a.action}`))).toEqual(new Set([`file:${NAME} create`]));
    const revisions = await state.db
      .selectFrom('table_revisions')
      .selectAll()
      .where('table_name', '!=', 'rules_file')
      .orderBy('table_name')
      .execute();

    const second = await apply(RULES);
    expect(counts(second)).toEqual({ ...none, unchanged: 7 });
    expect(await auditRows()).toHaveLength(7);
    expect(await everything()).toEqual(stored);
    expect(
      await state.db
        .selectFrom('table_revisions')
        .selectAll()
        .where('table_name', '!=', 'rules_file')
        .orderBy('table_name')
        .execute(),
    ).toEqual(revisions);
    expect(planLines(second, true).at(-1)).toBe(`applied ${FILE}: 0 created, 0 updated, 0 deleted, 7 unchanged`);
  });

  it('updates only what changed, field by field, with a readable line; secret addresses masked', async () => {
    await apply(RULES);
    const changed = RULES.replace('max_duration: 1200', 'max_duration: 1500')
      .replace('threshold: 900', 'baseline: { compare_to: 7d, ratio: 1.5 }')
      .replace('external_id: oncall@example.com', 'external_id: oncall@example.com\n    is_active: false');
    const plan = await apply(changed, { env: { SLACK_URL: `${SLACK_URL}x` } });
    expect(counts(plan)).toEqual({ ...none, updates: 4, unchanged: 3 });
    expect(planLines(plan, true)).toEqual([
      '~ update message checkout POST /pay: max_duration 1200 → 1500',
      '~ update latency "pay p95": threshold 900 → null, baseline null → {"compare_to":"7d","ratio":1.5,"min_increase_ms":0}',
      '~ update target slack "ops": external_id changed (hidden)',
      '~ update target email "oncall": is_active true → false',
      `applied ${FILE}: 0 created, 4 updated, 0 deleted, 3 unchanged`,
    ]);
    expect(JSON.stringify(plan)).not.toContain('s3cr3t');
    const stored = await everything();
    expect(
      stored.rules.find(
        (r) => r.app_name === 'checkout' && 'message_key' in r && 'max_duration' in r && r.message_key === 'POST /pay',
      ),
    ).toMatchObject({ max_duration: 1500 });
    expect(stored.rules.find((r) => (r as { name?: string }).name === 'pay p95')).toMatchObject({
      threshold: null,
      baseline: { compare_to: '7d', ratio: 1.5, min_increase_ms: 0 },
    });
    expect(stored.targets.find((t) => t.name === 'ops')?.external_id).toBe(`${SLACK_URL}x`);
    // A new secret address alone is an audit row too (its values hidden, see the secret test below).
    const updates = (await auditRows()).filter((a) => a.action === 'update');
    expect(updates.map((a) => `${a.entity} ${a.entity_id.split(':')[0]}`)).toEqual([
      'rule message',
      'rule latency',
      expect.stringMatching(/^target \d+$/),
      expect.stringMatching(/^target \d+$/),
    ]);
    expect(counts(await apply(changed, { env: { SLACK_URL: `${SLACK_URL}x` } }))).toEqual({ ...none, unchanged: 7 });
  });

  it('a changed secret alone is applied, reported hidden and audited; the same secret again writes nothing', async () => {
    await apply(RULES);
    const NEW_URL = 'https://hooks.slack.com/services/T0001/B0001/n3wn3wn3wn3w';
    const env = { SLACK_URL: NEW_URL };
    const diff = await apply(RULES, { env, dryRun: true });
    expect(counts(diff)).toEqual({ ...none, updates: 1, unchanged: 6 });
    expect(diff.updates[0]!.changes).toEqual([
      {
        field: 'external_id',
        before: 'https://hooks.slack.com/***',
        after: 'https://hooks.slack.com/***',
        hidden: true,
      },
    ]);
    const plan = await apply(RULES, { env });
    const lines = planLines(plan, true);
    expect(lines).toEqual([
      '~ update target slack "ops": external_id changed (hidden)',
      `applied ${FILE}: 0 created, 1 updated, 0 deleted, 6 unchanged`,
    ]);
    const ops = (await everything()).targets.find((t) => t.name === 'ops')!;
    expect(ops.external_id).toBe(NEW_URL);

    const audit = await listChanges(
      state.db,
      { entity: 'target', entity_id: String(ops.id) },
      { page: 1, per_page: 10 },
    );
    expect(audit.items.map((e) => [e.action, e.actor, e.changed_secrets])).toEqual([
      ['update', `file:${NAME}`, ['external_id']],
      ['create', `file:${NAME}`, []],
    ]);
    const [row] = audit.items;
    expect(row!.before).toMatchObject({ external_id: 'https://hooks.slack.com/***' });
    expect(row!.after).toMatchObject({ external_id: 'https://hooks.slack.com/***' });
    const stored = await state.db.selectFrom('audit_log').select(['before', 'after']).execute();
    for (const text of [
      JSON.stringify(stored),
      JSON.stringify(audit),
      JSON.stringify(diff),
      JSON.stringify(plan),
      ...lines,
    ]) {
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain('n3wn3w');
    }

    const rows = (await auditRows()).length;
    const again = await apply(RULES, { env });
    expect(counts(again)).toEqual({ ...none, unchanged: 7 });
    expect(await auditRows()).toHaveLength(rows);
    // Back to the first secret: a change again.
    expect(planLines(await apply(RULES), true)[0]).toBe('~ update target slack "ops": external_id changed (hidden)');
    expect(await auditRows()).toHaveLength(rows + 1);
  });

  it('names the file by its absolute path: rules.yaml, ./rules.yaml and the absolute path are one file', async () => {
    const spellings = [FILE, `./${FILE}`, NAME, `rules/../${FILE}`];
    await apply(RULES);
    const rows = (await auditRows()).length;
    for (const file of spellings) {
      const plan = await applyRulesDocument(state.db, documentOf(RULES), { file, prune: false, dryRun: false, now });
      expect([plan.file, plan.managed_file]).toEqual([file, NAME]);
      expect(counts(plan)).toEqual({ ...none, unchanged: 7 });
    }
    expect(await auditRows()).toHaveLength(rows);
    // Another spelling releases what this file marked.
    const withoutAbsence = RULES.replace(/ {2}- kind: absence\n(?: {4}.*\n)+/, '');
    const released = await applyRulesDocument(state.db, documentOf(withoutAbsence), {
      file: `./${FILE}`,
      prune: false,
      dryRun: false,
      now,
    });
    expect(counts(released)).toEqual({ ...none, unchanged: 6, releases: 1 });
    const actors = new Set((await auditRows()).map((a) => a.actor));
    expect(actors).toEqual(new Set([`file:${NAME}`]));
  });

  it('a mark written with the path as given (before names were resolved) is released, or re-marked once', async () => {
    const repos = repositoriesFor(state);
    const old = { managedBy: FILE };
    await repos.appRules.create({ app_name: 'checkout', max_duration: 800, alert_channels: ['email'] }, 'cli', old);
    await repos.appRules.create({ app_name: 'legacy', max_duration: 100, alert_channels: ['email'] }, 'cli', old);
    const plan = await apply(RULES);
    expect(planLines(plan, true).slice(0, 2)).toEqual([
      `~ update app checkout: managed_by "${FILE}" → "${NAME}"`,
      expect.stringMatching(/^\+ create /),
    ]);
    expect(plan.releases.map((e) => [e.label, e.changes])).toEqual([
      ['app legacy', [{ field: 'managed_by', before: FILE, after: null }]],
    ]);
    expect((await repos.appRules.all()).map((r) => [r.app_name, r.managed_file])).toEqual([
      ['checkout', NAME],
      ['legacy', null],
    ]);
    expect(counts(await apply(RULES))).toEqual({ ...none, unchanged: 7, kept: 1 });
  });

  it('a dry run plans and writes nothing', async () => {
    const plan = await apply(RULES, { dryRun: true });
    expect(counts(plan)).toEqual({ ...none, creates: 7 });
    expect(plan.dryRun).toBe(true);
    expect(planLines(plan, false).at(-1)).toBe(
      `${FILE} (dry run, nothing written): 7 to create, 0 to update, 0 to delete, 0 unchanged`,
    );
    expect(await everything()).toEqual({ rules: [], targets: [] });
    expect(await auditRows()).toEqual([]);
  });

  it('without --prune what the file lacks stays (released when this file managed it); with --prune it is deleted', async () => {
    const repos = repositoriesFor(state);
    await repos.appRules.create({ app_name: 'legacy', max_duration: 100, alert_channels: ['email'] }, 'cli');
    await apply(RULES);
    const withoutAbsence = RULES.replace(/ {2}- kind: absence\n(?: {4}.*\n)+/, '');
    const kept = await apply(withoutAbsence);
    expect(counts(kept)).toEqual({ ...none, unchanged: 6, releases: 1, kept: 1 });
    expect(planLines(kept, true)).toEqual([
      `~ release absence "checkout quiet" (no longer in the file): managed_by "${NAME}" → null`,
      `applied ${FILE}: 0 created, 0 updated, 0 deleted, 6 unchanged, 1 released, 1 not in the file kept (--prune deletes them)`,
    ]);
    const absence = (await repos.ruleStores.windowRules('absence').all())[0];
    expect(absence).toMatchObject({ name: 'checkout quiet', managed_by: null, managed_file: null });
    expect(counts(await apply(withoutAbsence))).toEqual({ ...none, unchanged: 6, kept: 2 });

    const pruned = await apply(withoutAbsence, { prune: true });
    expect(pruned.deletes.map((e) => e.label).sort()).toEqual(['absence "checkout quiet"', 'app legacy']);
    expect(counts(pruned)).toEqual({ ...none, deletes: 2, unchanged: 6 });
    expect((await everything()).rules).toHaveLength(4);
    const deletes = (await auditRows()).filter((a) => a.action === 'delete');
    expect(deletes.map((a) => a.actor)).toEqual([`file:${NAME}`, `file:${NAME}`]);
  });

  it('marks a rule it finds unmarked: an update of managed_by only', async () => {
    const repos = repositoriesFor(state);
    await repos.appRules.create({ app_name: 'checkout', max_duration: 800, alert_channels: ['email'] }, 'cli');
    const plan = await apply(RULES);
    expect(plan.updates).toEqual([
      {
        entity: 'rule',
        kind: 'app',
        label: 'app checkout',
        id: expect.any(Number),
        line: 2,
        changes: [{ field: 'managed_by', before: null, after: NAME }],
      },
    ]);
    expect((await repos.appRules.all())[0]).toMatchObject({ managed_file: NAME, max_duration: 800 });
  });

  it('one transaction: a failure midway leaves nothing written', async () => {
    const document = documentOf(RULES);
    // A body the store refuses, after six good changes (bypassing the file check).
    document.targets.push({ body: { name: 'broken', type: 'email', external_id: 'not an address' }, line: 99 });
    await expect(applyRulesDocument(state.db, document, { file: FILE, prune: false, dryRun: false })).rejects.toThrow(
      ValidationError,
    );
    expect(await everything()).toEqual({ rules: [], targets: [] });
    expect(await auditRows()).toEqual([]);
  });

  it('a window rule named again under another kind is replaced; a target name taken by another type needs --prune', async () => {
    await apply(RULES);
    const renamedKind = RULES.replace(
      '  - kind: absence\n    name: checkout quiet',
      '  - kind: latency\n    statistic: max\n    threshold: 1\n    name: checkout quiet',
    ).replace('    silent_minutes: 15\n', '');
    const replaced = await apply(renamedKind);
    expect(replaced.deletes.map((e) => e.label)).toEqual(['absence "checkout quiet"']);
    expect(replaced.creates.map((e) => e.label)).toEqual(['latency "checkout quiet"']);
    expect(await repositoriesFor(state).ruleStores.windowRules('absence').all()).toEqual([]);

    const retyped = renamedKind.replace(
      '  - name: oncall\n    type: email\n    external_id: oncall@example.com',
      '  - name: oncall\n    type: webhook\n    external_id: https://example.com/hook',
    );
    const before = await auditRows();
    await expect(apply(retyped)).rejects.toThrow(PlanConflictError);
    await expect(apply(retyped)).rejects.toThrow(
      /target "oncall" is stored with type email and the file has it as webhook/,
    );
    expect(await auditRows()).toEqual(before);
    const pruned = await apply(retyped, { prune: true });
    expect(pruned.deletes.map((e) => e.label)).toEqual(['target email "oncall"']);
    expect(pruned.creates.map((e) => e.label)).toEqual(['target webhook "oncall"']);
  });

  it('round trip: rules made through the stores, exported, applied to an empty database, export the same', async () => {
    const repos = repositoriesFor(state);
    await repos.messageRules.create(
      {
        app_name: 'billing',
        message_key: 'GET /invoice/${id}',
        max_duration: 250.5,
        alert_channels: ['telegram_chat', 'email'],
        is_active: false,
        min_count: 3,
        window_minutes: 10,
        notify_resolved: true,
        resolve_after_minutes: 30,
      },
      'cli',
    );
    await repos.appRules.create({ app_name: 'billing', max_duration: 2000, alert_channels: ['email'] }, 'cli');
    const windows = repos.ruleStores;
    await windows.windowRules('latency').create(
      {
        name: 'billing keys',
        app_name: 'billing',
        per_key: true,
        statistic: 'slow_ratio',
        slow_ms: 300,
        threshold: 5,
        resolve_threshold: 2,
        window_minutes: 15,
        min_samples: 50,
        pending_minutes: 3,
        alert_channels: ['email'],
        notify_resolved: false,
        cooldown_minutes: 60,
      },
      'cli',
    );
    await windows.windowRules('latency').create(
      {
        name: 'billing slower',
        app_name: 'billing',
        statistic: 'p99',
        baseline: { compare_to: '1d', ratio: 2, min_increase_ms: 100 },
        alert_channels: ['email'],
      },
      'cli',
    );
    await windows.windowRules('slo').create(
      {
        name: 'billing slo',
        app_name: 'billing',
        message_key: 'GET /invoice/${id}',
        threshold_ms: 300,
        objective: 99.9,
        period_days: 7,
        burn_alerts: [{ long_minutes: 30, short_minutes: 3, factor: 10 }],
        alert_channels: ['webhook'],
      },
      'cli',
    );
    await windows
      .windowRules('absence')
      .create(
        { name: 'billing quiet', app_name: 'billing', silent_minutes: 60, alert_channels: ['email'], is_active: false },
        'cli',
      );
    await repos.targets.create(
      { name: 'hook', type: 'webhook', external_id: 'https://example.com/hook?token=abc' },
      'cli',
    );
    await repos.targets.create(
      { name: 'hook 2', type: 'webhook', external_id: 'https://example.com/other', is_active: false },
      'cli',
    );
    await repos.targets.create({ name: 'chat', type: 'telegram_chat', external_id: '-100200300' }, 'cli');

    const withSecrets = exportYaml(await exportRules(state.db, { withSecrets: true }));
    const placeholders = await exportRules(state.db, { withSecrets: false });
    expect(placeholders.secrets).toEqual([
      { target: 'hook', type: 'webhook', variable: 'LAGWATCH_TARGET_HOOK_EXTERNAL_ID' },
      { target: 'hook 2', type: 'webhook', variable: 'LAGWATCH_TARGET_HOOK_2_EXTERNAL_ID' },
    ]);
    const placeholderText = exportYaml(placeholders);
    expect(placeholderText).not.toContain('token=abc');
    expect(placeholderText).toContain(
      'external_id: ${LAGWATCH_TARGET_HOOK_EXTERNAL_ID} # secret: set LAGWATCH_TARGET_HOOK_EXTERNAL_ID to the webhook address',
    );
    // Defaults are left out; `${` in a name is escaped so that it means itself.
    expect(withSecrets).toContain('message_key: GET /invoice/$${id}');
    expect(withSecrets).not.toContain('per_key: false');

    // Applied here, the export changes nothing but the managed marks.
    const here = await applyRulesDocument(state.db, documentOf(withSecrets), {
      file: FILE,
      prune: true,
      dryRun: false,
    });
    expect(here.creates).toEqual([]);
    expect(here.deletes).toEqual([]);
    expect(here.updates.flatMap((u) => u.changes.map((c) => c.field))).toEqual(Array(9).fill('managed_by'));

    const other = await migratedStateDb(driver);
    try {
      const env = {
        LAGWATCH_TARGET_HOOK_EXTERNAL_ID: 'https://example.com/hook?token=abc',
        LAGWATCH_TARGET_HOOK_2_EXTERNAL_ID: 'https://example.com/other',
      };
      const plan = await applyRulesDocument(other.state.db, documentOf(placeholderText, env), {
        file: FILE,
        prune: false,
        dryRun: false,
      });
      expect(plan.creates).toHaveLength(9);
      expect(exportYaml(await exportRules(other.state.db, { withSecrets: true }))).toBe(withSecrets);
      expect(exportYaml(await exportRules(other.state.db, { withSecrets: false }))).toBe(placeholderText);
      const again = await applyRulesDocument(other.state.db, documentOf(withSecrets), {
        file: FILE,
        prune: true,
        dryRun: false,
      });
      expect(counts(again)).toEqual({ ...none, unchanged: 9 });
    } finally {
      await other.close();
    }
  });
});
