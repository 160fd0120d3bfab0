import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/alerts/channels/registry.js';
import { Outbox } from '../../src/alerts/outbox.js';
import { exponentialBackoff } from '../../src/alerts/retry-policy.js';
import type { AlertLogTable } from '../../src/db/schema.js';
import { notification } from '../alerts/render/sample-notification.js';
import { sqliteDriver, type TestApi, testApi } from '../http/support.js';
import { insertAlertRows } from '../support/alert-log-rows.js';
import { lagwatch } from '../support/cli.js';

/*
 * Webhook URLs (and routing keys) are their own credential: a target's address is shown in full
 * only in the answer to the POST that created it. Every other answer, the alert log, previews,
 * test sends, the CLI, diagnose and the logs show it masked.
 */

const TOKEN = 'Zq8sEcReT0kenPathPart9x';
/** Every part that would give the secret away. */
const secretsIn = (url: string) => [url, TOKEN, new URL(url).pathname];

/**
 * A hook service: `/ok/…` answers 200 "ok"; `/refuse/…` answers 404 and, as a careless service
 * might, echoes the full URL it was called on.
 */
let hooks: Server;
let base: string;
beforeAll(async () => {
  hooks = createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/ok/')) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    else res.writeHead(404, { 'content-type': 'text/plain' }).end(`no_such_hook: ${base}${req.url}`);
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
});
afterAll(async () => {
  hooks.closeAllConnections();
  await new Promise((resolve) => hooks.close(resolve));
});

// Masking is decided above the database: one driver is enough.
describe('secret target addresses', { timeout: 120_000 }, () => {
  let api: TestApi;
  let dbFile: string;
  let cwd: string;
  const good = () => `${base}/ok/T0AAA/B0BBB/${TOKEN}`;
  const refusing = () => `${base}/refuse/T0AAA/B0BBB/${TOKEN}`;
  const expectNoSecret = (text: string, what: string, url = good()) => {
    for (const secret of secretsIn(url)) expect(text, `${what} carries ${secret}`).not.toContain(secret);
  };
  const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    api.app.inject({ method, url, ...(payload ? { payload } : {}) });
  let goodId: number;
  let refusingId: number;

  beforeAll(async () => {
    const driver = sqliteDriver();
    api = await testApi(driver);
    dbFile = api.ctx.config.db.database;
    cwd = mkdtempSync(join(tmpdir(), 'lagwatch-secret-addresses-'));
  });
  afterAll(async () => {
    await api?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('shows the address in full only to the POST that created the target', async () => {
    expect(CHANNELS.providerOf('webhook')?.secretAddress).toBe(true);
    const created = await send('POST', '/targets', { name: 'hook', type: 'webhook', external_id: good() });
    expect(created.statusCode).toBe(201);
    expect(created.json().data.external_id).toBe(good());
    goodId = created.json().data.id;
    const other = await send('POST', '/targets', { name: 'bad hook', type: 'webhook', external_id: refusing() });
    refusingId = other.json().data.id;

    const masked = `${base}/***`;
    const list = await send('GET', '/targets');
    expect(list.json().data.items.map((t: { external_id: string }) => t.external_id)).toEqual([masked, masked]);
    expectNoSecret(list.body, 'GET /targets');
    expectNoSecret(list.body, 'GET /targets', refusing());
    const one = await send('GET', `/targets/${goodId}`);
    expect(one.json().data.external_id).toBe(masked);
    expectNoSecret((await send('GET', '/targets?type=webhook')).body, 'GET /targets?type=webhook');
    const renamed = await send('PUT', `/targets/${goodId}`, { name: 'the hook' });
    expect(renamed.statusCode).toBe(200);
    expectNoSecret(renamed.body, 'PUT answer');
    // A changed secret is not shown back either.
    const moved = await send('PUT', `/targets/${refusingId}`, { external_id: `${refusing()}2` });
    expect(moved.json().data.external_id).toBe(masked);
    expectNoSecret(moved.body, 'PUT answer with a new address', `${refusing()}2`);
    await send('PUT', `/targets/${refusingId}`, { external_id: refusing() });

    // Other channels' addresses are not secrets: shown as they are.
    const mail = await send('POST', '/targets', { name: 'mail', type: 'email', external_id: 'ops@example.com' });
    expect((await send('GET', `/targets/${mail.json().data.id}`)).json().data.external_id).toBe('ops@example.com');
  });

  it('says what the service answered to a test send, without the address', async () => {
    const sent = await send('POST', `/targets/${goodId}/test`);
    expect(sent.statusCode).toBe(200);
    expect(sent.json().data).toEqual({
      ok: true,
      channel: 'webhook',
      target_id: goodId,
      destination: `${base}/***`,
      reply: '200 OK: ok',
      retryable: null,
    });
    const refused = await send('POST', `/targets/${refusingId}/test`);
    expect(refused.statusCode).toBe(200);
    expect(refused.json().data).toMatchObject({ ok: false, retryable: false });
    expect(refused.json().data.reply).toMatch(/^webhook http:\/\/127\.0\.0\.1:\d+ answered 404 Not Found$/);
    expectNoSecret(refused.body, 'a refused test send', refusing());
    expect((await send('POST', '/targets/999/test')).statusCode).toBe(404);
  });

  it('keeps the address out of the alert log, its previews, its errors and the logs', async () => {
    const at = Date.now();
    const row = (over: Partial<Insertable<AlertLogTable>>): Insertable<AlertLogTable> => ({
      rule_type: 'app',
      rule_id: 1,
      app_name: 'checkout',
      message_key: null,
      channel: 'webhook',
      destination: refusing(),
      target_id: refusingId,
      status: 'pending',
      attempts: 0,
      next_attempt_at: at - 1000,
      last_error: null,
      violation_count: 1,
      payload: JSON.stringify(notification()),
      created_at: at,
      updated_at: at,
      sent_at: null,
      ...over,
    });
    // One row the outbox fails now (the service refuses), one stored by an older version with
    // the address in its error.
    const ids = await insertAlertRows(api.ctx.state.db, {
      fresh: row({}),
      legacy: row({ status: 'failed', last_error: `could not post to ${refusing()}`, created_at: at + 1 }),
    });
    const outbox = new Outbox(api.ctx.state.db, {
      notifiers: CHANNELS.createNotifiers(api.ctx.config),
      targets: api.ctx.targets,
      retry: exponentialBackoff(),
      secrets: [],
      logger: api.ctx.logger,
    });
    expect((await outbox.deliverDue()).failed).toBe(1);
    const stored = await api.ctx.state.db
      .selectFrom('alert_log')
      .select('last_error')
      .where('id', '=', ids.fresh!)
      .executeTakeFirstOrThrow();
    expect(stored.last_error).toMatch(/answered 404 Not Found/);
    expectNoSecret(stored.last_error!, 'the stored error', refusing());

    const log = await send('GET', '/alerts');
    expect(log.json().data.items.map((a: { destination: string }) => a.destination)).toEqual([
      `${base}/***`,
      `${base}/***`,
    ]);
    expectNoSecret(log.body, 'GET /alerts', refusing());
    for (const id of Object.values(ids)) {
      const preview = await send('GET', `/alerts/${id}/preview`);
      expect(preview.statusCode).toBe(200);
      expectNoSecret(preview.body, 'a preview', refusing());
    }
    expectNoSecret(api.logs.join('\n'), 'the server log', refusing());
    expectNoSecret(api.logs.join('\n'), 'the server log');
  });

  it('test:channel, diagnose and check:rules print what happened, never the address', async () => {
    const env = { DB_DRIVER: 'sqlite', DB_DATABASE: dbFile, LOG_LEVEL: 'error' };
    const ok = await lagwatch(['test:channel', String(goodId)], env, cwd);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe(`sent to Webhook ${base}/*** (target ${goodId}): 200 OK: ok`);
    const refused = await lagwatch(['test:channel', String(refusingId)], env, cwd);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/answered 404 Not Found/);
    const json = await lagwatch(['test:channel', String(refusingId), '--json'], env, cwd);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, channel: 'webhook', target_id: refusingId });
    const unknown = await lagwatch(['test:channel', '999'], env, cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no target 999/);
    const diagnose = await lagwatch(['diagnose', '--json'], env, cwd);
    const channels = (JSON.parse(diagnose.stdout) as { checks: { check: string; detail: string }[] }).checks.find(
      (c) => c.check === 'channels',
    );
    expect(channels?.detail).toMatch(/webhook ready, 2 active targets/);
    const rules = await lagwatch(['check:rules', '--json'], env, cwd);
    expect(rules.code, rules.stderr).toBe(0);
    const listed = (JSON.parse(rules.stdout) as { targets: { type: string; external_id: string }[] }).targets;
    expect(listed.filter((t) => t.type === 'webhook').map((t) => t.external_id)).toEqual([
      `${base}/***`,
      `${base}/***`,
    ]);
    for (const result of [ok, refused, json, unknown, diagnose, rules]) {
      expectNoSecret(result.stdout + result.stderr, 'the CLI', refusing());
      expectNoSecret(result.stdout + result.stderr, 'the CLI');
    }
  });
});
