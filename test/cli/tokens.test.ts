import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lagwatch, spawnLagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { closedPort } from '../support/ports.js';

const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
announceSkips([sqlite], 'token commands');

/** Redis for the second variant: the same test with both processes also sharing Redis. */
function redisEnv(): Record<string, string> | undefined {
  const url = process.env.TEST_REDIS_URL;
  if (!url) return undefined;
  const parsed = new URL(url);
  return { REDIS_HOST: parsed.hostname, REDIS_PORT: parsed.port || '6379', REDIS_DB: parsed.pathname.slice(1) || '0' };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Started {
  child: ChildProcess;
  base: string;
  output: () => string;
}

async function start(env: Record<string, string>, cwd: string): Promise<Started> {
  const port = await closedPort();
  const child = spawnLagwatch(['start'], { ...env, HOST: '127.0.0.1', PORT: String(port) }, cwd);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor(() => output.includes('lagwatch is running'), `start (output: ${output})`);
  return { child, base: `http://127.0.0.1:${port}`, output: () => output };
}

async function stop(process: Started | undefined): Promise<void> {
  if (!process || process.child.exitCode !== null) return;
  const exited = once(process.child, 'exit');
  process.child.kill('SIGTERM');
  await exited;
}

const variants = [
  { name: 'without Redis', env: {} as Record<string, string> | undefined },
  { name: 'with Redis', env: redisEnv() },
];

describe.each(variants)(
  'token commands and two `start` processes over one database, $name',
  { timeout: 300_000 },
  ({ env: extra }) => {
    if (!extra) {
      it.skip('skipped: TEST_REDIS_URL is not set', () => {});
      return;
    }
    let cwd: string;
    const env: Record<string, string> = { LOG_LEVEL: 'info', SCAN_INTERVAL_SECONDS: '3600', ...extra };
    let first: Started | undefined;
    let second: Started | undefined;
    beforeAll(async () => {
      cwd = mkdtempSync(join(tmpdir(), 'lagwatch-tokens-'));
      expect((await lagwatch(['migrate'], env, cwd)).code).toBe(0);
    });
    afterAll(async () => {
      await Promise.all([stop(first), stop(second)]);
      rmSync(cwd, { recursive: true, force: true });
    });

    it('token:create prints the secret once; a wrong scope or duration is refused; token:list never shows it', async () => {
      const created = await lagwatch(
        ['token:create', '--name', 'oncall', '--scope', 'write', '--expires', '90d', '--json'],
        env,
        cwd,
      );
      expect(created.code).toBe(0);
      const token = JSON.parse(created.stdout);
      expect(token).toEqual({
        id: expect.any(Number),
        name: 'oncall',
        scope: 'write',
        token: expect.stringMatching(/^lw_[A-Za-z0-9_-]{43}$/),
        created_at: expect.any(String),
        expires_at: expect.any(String),
      });
      const days = (Date.parse(token.expires_at) - Date.parse(token.created_at)) / 86_400_000;
      expect(Math.round(days)).toBe(90);

      const plain = await lagwatch(['token:create', '--name', 'boss', '--scope', 'admin'], env, cwd);
      expect(plain.code).toBe(0);
      expect(plain.stdout).toMatch(/never expires/);
      expect(plain.stdout).toMatch(/^lw_/m);

      const wrongScope = await lagwatch(['token:create', '--name', 'x', '--scope', 'root'], env, cwd);
      expect(wrongScope.code).not.toBe(0);
      expect(wrongScope.stderr).toContain('scope');
      const wrongExpiry = await lagwatch(
        ['token:create', '--name', 'x', '--scope', 'read', '--expires', 'soon'],
        env,
        cwd,
      );
      expect(wrongExpiry.code).not.toBe(0);
      expect(wrongExpiry.stderr).toContain('expires');
      const twice = await lagwatch(['token:create', '--name', 'oncall', '--scope', 'read'], env, cwd);
      expect(twice.code).not.toBe(0);
      expect(twice.stderr).toContain('already exists');

      const list = await lagwatch(['token:list', '--json'], env, cwd);
      expect(JSON.parse(list.stdout).items.map((t: { name: string; status: string }) => [t.name, t.status])).toEqual([
        ['oncall', 'active'],
        ['boss', 'active'],
      ]);
      expect(list.stdout).not.toContain(token.token);
      expect((await lagwatch(['token:list'], env, cwd)).stdout).toContain('oncall');
      expect((await lagwatch(['token:create', '--help'], env, cwd)).stdout).toContain('--scope <scope>');
    });

    it('a revoke by the CLI or by either process is refused by both at their next request', async () => {
      [first, second] = await Promise.all([start(env, cwd), start(env, cwd)]);
      const oncall = JSON.parse(
        (await lagwatch(['token:create', '--name', 'oncall-2', '--scope', 'write', '--json'], env, cwd)).stdout,
      );
      const get = (base: string, secret: string, path = '/rules/app') =>
        fetch(`${base}${path}`, { headers: { authorization: `Bearer ${secret}` } });
      for (const p of [first, second]) expect((await get(p.base, oncall.token)).status).toBe(200);

      // Revoked by a third process (the CLI): both refuse it on their very next request.
      expect((await lagwatch(['token:revoke', 'oncall-2'], env, cwd)).code).toBe(0);
      for (const p of [first, second]) {
        const refused = await get(p.base, oncall.token);
        expect(refused.status).toBe(401);
        expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
          'the token oncall-2 was revoked',
        );
      }

      // Created through one process, usable at once on the other; revoked there, refused here.
      const admin = JSON.parse(
        (await lagwatch(['token:create', '--name', 'root', '--scope', 'admin', '--json'], env, cwd)).stdout,
      );
      const made = await fetch(`${first.base}/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'reader', scope: 'read', expires: '1d' }),
      });
      expect(made.status).toBe(201);
      const reader = ((await made.json()) as { data: { id: number; token: string; expires_at: string } }).data;
      expect((await get(second.base, reader.token)).status).toBe(200);
      expect(
        ((await get(second.base, reader.token, '/whoami').then((r) => r.json())) as { data: unknown }).data,
      ).toEqual({
        actor: 'token:reader',
        scope: 'read',
        name: 'reader',
        expires_at: reader.expires_at,
      });
      const revoked = await fetch(`${second.base}/tokens/${reader.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin.token}` },
      });
      expect(revoked.status).toBe(200);
      expect((await get(first.base, reader.token)).status).toBe(401);

      expect(first.output() + second.output()).not.toContain(oncall.token);
    });
  },
);
