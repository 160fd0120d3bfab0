import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lagwatch, spawnLagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { closedPort } from '../support/ports.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'RULES_FILE and start');

const rulesYaml = (maxDuration: number) => `rules:
  - kind: app
    app_name: checkout
    max_duration: ${maxDuration}
    alert_channels: [webhook]
  - kind: latency
    name: checkout p95
    app_name: checkout
    statistic: p95
    threshold: 800
    alert_channels: [webhook]
targets:
  - name: ops hook
    type: webhook
    external_id: https://hooks.example.com/lagwatch
`;

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(drivers)('RULES_FILE with lagwatch start, over $driver', { timeout: 120_000 }, (driver) => {
  let world: ScanWorld;
  let port: number;
  const base = () => `http://127.0.0.1:${port}`;
  const rulesPath = () => join(world.dir, 'rules.yaml');
  const appRule = async () =>
    world.ctx.state.db.selectFrom('app_rules').selectAll().where('app_name', '=', 'checkout').executeTakeFirst();
  const auditCount = async () =>
    Number(
      (
        await world.ctx.state.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  // biome-ignore lint/suspicious/noExplicitAny: the answer is read field by field
  const json = async (response: Response): Promise<any> => response.json();
  const serverStatus = async () => (await json(await fetch(`${base()}/monitor/server`))).data.rules_file;

  beforeAll(async () => {
    if (driver.skipReason) return;
    port = await closedPort();
    world = await openScanWorld(driver, {
      env: {
        RULES_FILE: 'rules.yaml',
        SCAN_INTERVAL_SECONDS: '0',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(port),
      },
    });
  });
  afterAll(async () => world?.close());

  it.skipIf(driver.skipReason)(
    'a file with problems stops the start: exit 1, one line, each problem logged',
    async () => {
      writeFileSync(rulesPath(), 'rules:\n  - kind: app\n    app_name: [unclosed\n');
      const result = await lagwatch(['start'], world.env, world.dir);
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^lagwatch: RULES_FILE rules\.yaml has \d+ problems? \(first: rules\.yaml:\d+:\d+: /);
      expect(result.stdout).toMatch(/rules\.yaml:\d+:\d+: /);
      expect(await appRule()).toBeUndefined();
    },
  );

  it.skipIf(driver.skipReason)(
    'start applies it, SIGHUP re-applies a changed file, a broken one changes nothing and is reported',
    async () => {
      writeFileSync(rulesPath(), rulesYaml(500));
      const child: ChildProcess = spawnLagwatch(['start'], world.env, world.dir);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = once(child, 'exit');
      try {
        await waitFor(() => stdout.includes('lagwatch is running'), `start (stderr: ${stderr})`);
        const applied = await appRule();
        // Marked with the file's absolute path (RULES_FILE=rules.yaml, relative to the working directory).
        expect(applied).toMatchObject({ max_duration: 500, managed_by: rulesPath() });
        const latency = await world.ctx.ruleStores.windowRules('latency').all();
        expect(latency.map((r) => [(r as { name?: string }).name, r.managed_file])).toEqual([
          ['checkout p95', rulesPath()],
        ]);
        const targets = await world.ctx.targets.list({}, { page: 1, per_page: 10 });
        expect(targets.items.map((t) => [t.name, t.managed_file])).toEqual([['ops hook', rulesPath()]]);
        const first = await serverStatus();
        expect(first).toMatchObject({ path: 'rules.yaml', status: 'applied', problems: [], prune: false });
        expect(first.changes).toMatchObject({ created: 3 });

        // The API refuses to change what the file manages.
        const put = await fetch(`${base()}/rules/app/${applied!.id}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ max_duration: 1 }),
        });
        expect(put.status).toBe(409);
        expect((await json(put)).error.message).toContain(`managed by ${rulesPath()};`);

        writeFileSync(rulesPath(), rulesYaml(900));
        child.kill('SIGHUP');
        await waitFor(async () => Number((await appRule())?.max_duration) === 900, 'the SIGHUP re-apply');
        await waitFor(async () => (await serverStatus()).applied_at !== first.applied_at, 'a new applied_at');
        const reapplied = await serverStatus();
        expect(reapplied.changes).toMatchObject({ updated: 1, created: 0 });

        const before = await appRule();
        const audited = await auditCount();
        writeFileSync(rulesPath(), 'rules:\n  - kind: app\n    app_name: checkout\n    max_duration: [1\n');
        child.kill('SIGHUP');
        await waitFor(async () => (await serverStatus()).status === 'invalid', 'the broken file to be reported');
        const broken = await serverStatus();
        expect(broken.problems.length).toBeGreaterThan(0);
        expect(broken.problems[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
        expect(broken.applied_at).toBe(reapplied.applied_at);
        expect(stdout).toMatch(/rules\.yaml:\d+:\d+: /);
        expect(stdout).toContain('nothing was changed, the rules applied before stay');
        expect(await appRule()).toEqual(before);
        expect(await auditCount()).toBe(audited);
        expect((await fetch(`${base()}/health`)).status).toBe(200);

        const diagnose = await lagwatch(['diagnose', '--json'], world.env, world.dir);
        const check = JSON.parse(diagnose.stdout).checks.find((c: { check: string }) => c.check === 'rules file');
        expect(check).toMatchObject({ status: 'fail' });
        expect(check.detail).toMatch(/rules\.yaml:\d+:\d+/);
      } finally {
        child.kill('SIGTERM');
        const [code] = await exited;
        expect(code).toBe(0);
      }
    },
  );
});
