// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is how rules files refer to environment variables
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChanges } from '../../../src/audit/audit-log.js';
import type { DatabaseConfig } from '../../../src/config/config.js';
import { lagwatch } from '../../support/cli.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../../support/databases.js';

const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0001/s3cr3ts3cr3t';

const RULES = `rules:
  - kind: app
    app_name: checkout
    max_duration: 800
    alert_channels: [email]
  - kind: message
    app_name: checkout
    message_key: POST /pay
    max_duration: 800
    alert_channels: [email]
  - kind: latency
    name: pay p95
    app_name: checkout
    statistic: p95
    threshold: 900
    alert_channels: [slack]
targets:
  - name: ops
    type: slack
    external_id: "\${SLACK_URL}"
`;

describe('rules:* commands', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lagwatch-cli-rules-file-'));
  const env = { SLACK_URL };
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  beforeAll(async () => {
    writeFileSync(join(cwd, 'rules.yaml'), RULES);
    writeFileSync(
      join(cwd, 'bad.yaml'),
      RULES.replace(
        'max_duration: 800\n    alert_channels: [email]\n  - kind: message',
        'max_duration: 0\n    alert_channels: [email]\n  - kind: message',
      ),
    );
    expect((await lagwatch(['migrate'], {}, cwd)).code).toBe(0);
  });

  it('rules:validate: exit 0 on a valid file; exit 1 with every problem as file:line:column and one line on stderr', async () => {
    const ok = await lagwatch(['rules:validate', 'rules.yaml'], env, cwd);
    expect(ok).toEqual({ code: 0, stdout: 'rules.yaml: valid (3 rules, 1 target)\n', stderr: '' });
    const bad = await lagwatch(['rules:validate', 'bad.yaml'], {}, cwd);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe(
      'bad.yaml:4:19: rules.0.max_duration: must be > 0\nbad.yaml:20:19: targets.0.external_id: environment variable SLACK_URL is not set\n',
    );
    expect(bad.stderr).toBe('lagwatch: bad.yaml: 2 problems\n');
    const json = await lagwatch(['rules:validate', 'bad.yaml', '--json'], env, cwd);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      file: 'bad.yaml',
      valid: false,
      problems: [{ file: 'bad.yaml', line: 4, column: 19, path: 'rules.0.max_duration', message: 'must be > 0' }],
    });
    const missing = await lagwatch(['rules:validate', 'none.yaml'], env, cwd);
    expect(missing).toMatchObject({ code: 1, stdout: 'none.yaml:1:1: no such file\n' });
  });

  it('rules:schema prints a JSON Schema', async () => {
    const result = await lagwatch(['rules:schema'], {}, cwd);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      properties: { rules: { items: { oneOf: expect.any(Array) } } },
    });
  });

  it('rules:diff and rules:apply --dry-run write nothing; rules:apply applies once; an invalid file applies nothing', async () => {
    const diff = await lagwatch(['rules:diff', 'rules.yaml'], env, cwd);
    expect(diff.stderr).toBe('');
    expect(diff.stdout).toBe(
      [
        '+ create app checkout',
        '+ create message checkout POST /pay',
        '+ create latency "pay p95"',
        '+ create target slack "ops"',
        'rules.yaml (dry run, nothing written): 4 to create, 0 to update, 0 to delete, 0 unchanged',
        '',
      ].join('\n'),
    );
    expect((await lagwatch(['rules:apply', 'rules.yaml', '--dry-run'], env, cwd)).stdout).toBe(diff.stdout);
    const invalid = await lagwatch(['rules:apply', 'bad.yaml'], env, cwd);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('bad.yaml:4:19: rules.0.max_duration: must be > 0\n');
    expect(invalid.stderr).toBe('lagwatch: bad.yaml: 1 problem; nothing applied\n');

    const applied = await lagwatch(['rules:apply', 'rules.yaml'], env, cwd);
    expect(applied.code).toBe(0);
    expect(applied.stdout.trim().split('\n').at(-1)).toBe(
      'applied rules.yaml: 4 created, 0 updated, 0 deleted, 0 unchanged',
    );
    const again = await lagwatch(['rules:apply', 'rules.yaml', '--json'], env, cwd);
    expect(again.code).toBe(0);
    const plan = JSON.parse(again.stdout);
    expect([plan.creates.length, plan.updates.length, plan.unchanged.length]).toEqual([0, 0, 4]);

    writeFileSync(join(cwd, 'changed.yaml'), RULES.replace('threshold: 900', 'threshold: 950'));
    const changed = await lagwatch(['rules:diff', 'changed.yaml'], env, cwd);
    expect(changed.stdout.split('\n')).toContain(
      `~ update latency "pay p95": threshold 900 → 950, managed_by "${join(cwd, 'rules.yaml')}" → "${join(cwd, 'changed.yaml')}"`,
    );
  });

  it('rules:export writes a file that re-applies with no difference; secrets as references unless --with-secrets', async () => {
    const exported = await lagwatch(['rules:export', '--output', 'exported.yaml'], {}, cwd);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('wrote 3 rules and 1 target to exported.yaml\n');
    expect(exported.stderr).toContain('${LAGWATCH_TARGET_OPS_EXTERNAL_ID}');
    const text = readFileSync(join(cwd, 'exported.yaml'), 'utf8');
    expect(text).not.toContain('s3cr3t');
    const diff = await lagwatch(['rules:diff', 'exported.yaml'], { LAGWATCH_TARGET_OPS_EXTERNAL_ID: SLACK_URL }, cwd);
    // Only the managing file's name (its absolute path) differs.
    const lines = diff.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(
      'exported.yaml (dry run, nothing written): 0 to create, 4 to update, 0 to delete, 0 unchanged',
    );
    for (const line of lines.slice(0, -1)) {
      expect(line).toMatch(/^~ update [^:]+: managed_by "(.+)" → "(.+)"$/);
      expect(line.endsWith(`managed_by "${join(cwd, 'rules.yaml')}" → "${join(cwd, 'exported.yaml')}"`)).toBe(true);
    }
    const withSecrets = await lagwatch(['rules:export', '--with-secrets'], {}, cwd);
    expect(withSecrets.stdout).toContain(`external_id: ${SLACK_URL}`);
    expect(withSecrets.stderr).toBe('');
  });

  it('--help of every command says what it does', async () => {
    const help = await lagwatch(['--help'], {}, cwd);
    for (const command of ['rules:schema', 'rules:validate', 'rules:diff', 'rules:apply', 'rules:export']) {
      expect(help.stdout).toContain(command);
    }
    const apply = await lagwatch(['rules:apply', '--help'], {}, cwd);
    expect(apply.stdout).toContain('--prune');
    expect(apply.stdout).toContain('--dry-run');
  });
});

const drivers = driversUnderTest();
announceSkips(drivers, 'rules:apply from two processes');

describe.each(drivers)('rules:apply from two processes at once over $driver', { timeout: 120_000 }, (driver) => {
  if (driver.skipReason) {
    it.skip(`skipped: ${driver.skipReason}`, () => {});
    return;
  }
  const cwd = mkdtempSync(join(tmpdir(), 'lagwatch-cli-rules-race-'));
  let db: Awaited<ReturnType<typeof migratedStateDb>>;
  beforeAll(async () => {
    db = await migratedStateDb(driver);
  });
  afterAll(async () => {
    await db.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const envOf = (c: DatabaseConfig): Record<string, string> => ({
    DB_DRIVER: c.driver,
    DB_DATABASE: c.database,
    ...(c.driver === 'sqlite' ? {} : { DB_HOST: c.host, DB_PORT: String(c.port), DB_USERNAME: c.username }),
  });

  it('creates each rule once; both succeed', async () => {
    const rules = Array.from(
      { length: 40 },
      (_, i) =>
        `  - { kind: message, app_name: app, message_key: "key ${i}", max_duration: ${100 + i}, alert_channels: [email] }`,
    );
    writeFileSync(join(cwd, 'many.yaml'), `rules:\n${rules.join('\n')}\n`);
    const env = envOf(db.config);
    const [a, b] = await Promise.all([
      lagwatch(['rules:apply', 'many.yaml', '--json'], env, cwd),
      lagwatch(['rules:apply', 'many.yaml', '--json'], env, cwd),
    ]);
    expect([a.code, a.stderr, b.code, b.stderr]).toEqual([0, '', 0, '']);
    const created = [JSON.parse(a.stdout), JSON.parse(b.stdout)].map((plan) => plan.creates.length).sort();
    expect(created).toEqual([0, 40]);
    const stored = await db.state.db.selectFrom('message_rules').select('message_key').execute();
    expect(stored).toHaveLength(40);
    const audit = await db.state.db.selectFrom('audit_log').select('action').execute();
    expect(audit).toHaveLength(40);
  });
});

announceSkips(drivers, 'rules:apply of a changed secret');

describe.each(drivers)('rules:apply of a changed secret over $driver', { timeout: 120_000 }, (driver) => {
  if (driver.skipReason) {
    it.skip(`skipped: ${driver.skipReason}`, () => {});
    return;
  }
  const cwd = mkdtempSync(join(tmpdir(), 'lagwatch-cli-rules-secret-'));
  let db: Awaited<ReturnType<typeof migratedStateDb>>;
  beforeAll(async () => {
    db = await migratedStateDb(driver);
    writeFileSync(join(cwd, 'rules.yaml'), RULES);
  });
  afterAll(async () => {
    await db.close();
    rmSync(cwd, { recursive: true, force: true });
  });
  const envOf = (c: DatabaseConfig): Record<string, string> => ({
    DB_DRIVER: c.driver,
    DB_DATABASE: c.database,
    ...(c.driver === 'sqlite' ? {} : { DB_HOST: c.host, DB_PORT: String(c.port), DB_USERNAME: c.username }),
  });

  it('says the address changed (hidden), audits it as file:<absolute path>, and writes nothing the second time', async () => {
    const ROTATED = 'https://hooks.slack.com/services/T0001/B0001/r0tat3dr0tat3d';
    const base = envOf(db.config);
    const name = join(cwd, 'rules.yaml');
    expect((await lagwatch(['rules:apply', 'rules.yaml'], { ...base, SLACK_URL }, cwd)).code).toBe(0);
    const audited = async () => db.state.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    const rows = (await audited()).length;

    const env = { ...base, SLACK_URL: ROTATED };
    const diff = await lagwatch(['rules:diff', 'rules.yaml'], env, cwd);
    const applied = await lagwatch(['rules:apply', './rules.yaml'], env, cwd);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toBe(
      '~ update target slack "ops": external_id changed (hidden)\n' +
        'applied ./rules.yaml: 0 created, 1 updated, 0 deleted, 3 unchanged\n',
    );
    expect(diff.stdout.split('\n')[0]).toBe('~ update target slack "ops": external_id changed (hidden)');
    const json = await lagwatch(['rules:diff', 'rules.yaml', '--json'], { ...base, SLACK_URL }, cwd);
    expect(JSON.parse(json.stdout).updates[0].changes).toEqual([
      {
        field: 'external_id',
        before: 'https://hooks.slack.com/***',
        after: 'https://hooks.slack.com/***',
        hidden: true,
      },
    ]);

    const added = (await audited()).slice(rows);
    expect(added.map((r) => [r.actor, r.action, r.entity])).toEqual([[`file:${name}`, 'update', 'target']]);
    const [entry] = (
      await listChanges(db.state.db, { actor: `file:${name}`, entity: 'target' }, { page: 1, per_page: 1 })
    ).items;
    expect(entry!.changed_secrets).toEqual(['external_id']);
    for (const text of [JSON.stringify(added), diff.stdout, diff.stderr, applied.stdout, applied.stderr, json.stdout]) {
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain('r0tat3d');
    }

    // The same file again, under any spelling of its path: nothing written.
    for (const file of ['rules.yaml', './rules.yaml', name]) {
      const again = await lagwatch(['rules:apply', file], env, cwd);
      expect(again.stdout).toBe(`applied ${file}: 0 created, 0 updated, 0 deleted, 4 unchanged\n`);
    }
    expect(await audited()).toHaveLength(rows + 1);
    const target = await db.state.db.selectFrom('alert_targets').selectAll().executeTakeFirstOrThrow();
    expect([target.external_id, target.managed_by]).toEqual([ROTATED, name]);
  });
});
