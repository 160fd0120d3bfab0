import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'cli');

describe.each(drivers)('first commands on $driver', { timeout: 180_000 }, (driver) => {
  if (driver.skipReason) {
    it.skip(`skipped: ${driver.skipReason}`, () => {});
    return;
  }
  let cwd: string;
  let env: Record<string, string>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'lagwatch-cli-'));
    const created = await driver.createDatabase();
    drop = created.drop;
    const c = created.config;
    env =
      c.driver === 'sqlite'
        ? {}
        : {
            DB_DRIVER: c.driver,
            DB_HOST: c.host,
            DB_PORT: String(c.port),
            DB_DATABASE: c.database,
            DB_USERNAME: c.username,
          };
  });
  afterAll(async () => {
    await drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('check:database fails with a clear reason before migrate, passes after', async () => {
    const before = await lagwatch(['check:database'], env, cwd);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/^lagwatch: schema is behind: \d+ pending migration\(s\); run `lagwatch migrate`\n$/);

    const migrate = await lagwatch(['migrate'], env, cwd);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('applied 001_initial');
    const again = await lagwatch(['migrate', '--json'], env, cwd);
    expect(JSON.parse(again.stdout)).toEqual({ driver: driver.driver, applied: [] });

    const check = await lagwatch(['check:database', '--json'], env, cwd);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ driver: driver.driver, pending: [], up_to_date: true });
  });

  it('seed:rules is idempotent and check:rules --json shows the rules', async () => {
    const first = await lagwatch(['seed:rules', '--json'], env, cwd);
    expect(JSON.parse(first.stdout).created).toEqual({ app_rules: 3, message_rules: 2, targets: 2 });
    const second = await lagwatch(['seed:rules', '--json'], env, cwd);
    expect(JSON.parse(second.stdout).created).toEqual({ app_rules: 0, message_rules: 0, targets: 0 });

    const check = await lagwatch(['check:rules', '--json'], env, cwd);
    const rules = JSON.parse(check.stdout);
    expect(rules.app_rules.map((r: { app_name: string }) => r.app_name)).toEqual([
      'core-service',
      'order-service',
      'payment-service',
    ]);
    expect(rules.message_rules).toHaveLength(2);
    expect(rules.targets).toHaveLength(2);

    const table = await lagwatch(['check:rules'], env, cwd);
    expect(table.stdout).toMatch(/core-service\s+1000\s+yes\s+telegram_chat\s+10/);
  });
});

describe('failures', { timeout: 60_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lagwatch-cli-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('stops on invalid configuration with one line per problem', async () => {
    const result = await lagwatch(['migrate'], { PORT: 'x', DB_DRIVER: 'oracle' }, cwd);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'lagwatch: invalid configuration',
      '  PORT: "x" is not a whole number (allowed: 1 to 65535)',
      '  DB_DRIVER: "oracle" is not allowed (allowed: sqlite, mysql, postgres)',
    ]);
  });

  it('check:database exits 1 naming a database it cannot reach, without the password', async () => {
    const result = await lagwatch(
      ['check:database'],
      { DB_DRIVER: 'postgres', DB_PORT: '1', DB_PASSWORD: 'hunter2-secret' },
      cwd,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lagwatch: cannot connect to postgres at 127\.0\.0\.1:1\/lagwatch: /);
    expect(result.stderr).not.toContain('hunter2-secret');
  });
});
