import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifiers } from '../../src/alerts/channels/registry.js';
import { telegramGetMe } from '../../src/alerts/channels/telegram/notifier.js';
import { Outbox } from '../../src/alerts/outbox.js';
import { exponentialBackoff } from '../../src/alerts/retry-policy.js';
import { secretsOf } from '../../src/config/redact.js';
import type { AlertLogTable } from '../../src/db/schema.js';
import { notification } from '../alerts/render/sample-notification.js';
import { sqliteDriver, type TestApi, testApi } from '../http/support.js';
import { insertAlertRows } from '../support/alert-log-rows.js';
import { lagwatch } from '../support/cli.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/url-secrets');

const BOT_TOKEN = '424242:SECRET-bot-token_abcdefghijklmnop';
const PASSWORD = 'proxy-pass-s3cret';
const QUERY_SECRET = 'query-api-key-s3cret';
/** Everything that must never be printed, stored in an error or logged. */
const SECRETS = [
  BOT_TOKEN,
  'SECRET-bot-token',
  PASSWORD,
  QUERY_SECRET,
  Buffer.from(`tguser:${PASSWORD}`).toString('base64'),
];

const expectNoSecret = (text: string, what: string) => {
  for (const secret of SECRETS) expect(text, `${what} carries ${secret}`).not.toContain(secret);
};

/**
 * A hostile Bot API proxy: refuses every call with 401 and echoes what it was sent (the full
 * request URL and the Authorization header) in the description, as a careless proxy might.
 */
let proxy: Server;
let proxyPort: number;
let seen: { url: string; headers: IncomingHttpHeaders }[] = [];
beforeAll(async () => {
  proxy = createServer((req, res) => {
    req.resume();
    seen.push({ url: req.url ?? '', headers: req.headers });
    const description = `Unauthorized: http://127.0.0.1:${proxyPort}${req.url} auth=${req.headers.authorization}`;
    if (
      req.headers.authorization === `Basic ${Buffer.from(`tguser:${PASSWORD}`).toString('base64')}` &&
      req.url?.endsWith('/getMe') &&
      req.url.includes('/ok/')
    ) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, result: { username: 'proxied_bot' } }));
      return;
    }
    res
      .writeHead(401, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ok: false, error_code: 401, description }));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as AddressInfo).port;
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
});
beforeEach(() => {
  seen = [];
});

const apiBase = (path = 'tg') => `http://tguser:${PASSWORD}@127.0.0.1:${proxyPort}/${path}?api_key=${QUERY_SECRET}`;
const telegramEnv = (path?: string) => ({
  TELEGRAM_BOT_TOKEN: BOT_TOKEN,
  TELEGRAM_API_BASE: apiBase(path),
  TELEGRAM_CHAT_ID: '4242',
  TELEGRAM_UPDATES: 'off',
});

describe('credentials in TELEGRAM_API_BASE', () => {
  it('go to the proxy as basic auth, not in the URL', async () => {
    const config = {
      telegram: { ...telegramConfig(), apiBase: `http://tguser:${PASSWORD}@127.0.0.1:${proxyPort}/ok` },
    };
    expect(await telegramGetMe(config)).toEqual({ ok: true, username: 'proxied_bot' });
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`tguser:${PASSWORD}`).toString('base64')}`);
    expect(seen[0]!.url).toBe(`/ok/bot${BOT_TOKEN}/getMe`);
  });

  it('never reach the text of a failed call', async () => {
    const config = { telegram: { ...telegramConfig(), apiBase: apiBase() } };
    const refused = await telegramGetMe(config);
    expect(refused.ok).toBe(false);
    expectNoSecret(refused.error ?? '', 'getMe error');
    const closed = {
      telegram: { ...telegramConfig(), apiBase: `http://tguser:${PASSWORD}@127.0.0.1:1/x?token=${QUERY_SECRET}` },
    };
    const unreachable = await telegramGetMe(closed);
    expect(unreachable.error).toMatch(
      /^Telegram Bot API at http:\/\/\*\*\*@127\.0\.0\.1:1\/x\?token=\*\*\* unreachable/,
    );
    expectNoSecret(unreachable.error ?? '', 'unreachable error');
  });
});

function telegramConfig() {
  return { botToken: BOT_TOKEN, chatId: '4242', groupId: undefined, apiBase: '', updates: false };
}

describe('the real CLI output', { timeout: 120_000 }, () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'lagwatch-url-secrets-'));
    const migrated = await lagwatch(['migrate'], {}, cwd);
    expect(migrated.code, migrated.stderr).toBe(0);
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('test:telegram and diagnose --json print no credential, query secret or bot token', async () => {
    for (const args of [['test:telegram'], ['diagnose', '--json']]) {
      const result = await lagwatch(args, telegramEnv(), cwd);
      const output = result.stdout + result.stderr;
      expect(seen.length, `${args.join(' ')} reached the proxy`).toBeGreaterThan(0);
      expect(output, args.join(' ')).toMatch(/401/);
      expectNoSecret(output, args.join(' '));
      seen = [];
    }
    const closed = await lagwatch(
      ['diagnose', '--json'],
      { ...telegramEnv(), TELEGRAM_API_BASE: `http://tguser:${PASSWORD}@127.0.0.1:1/x?api_key=${QUERY_SECRET}` },
      cwd,
    );
    const telegram = JSON.parse(closed.stdout).checks.find((c: { check: string }) => c.check === 'telegram');
    expect(telegram.detail).toMatch(/unreachable/);
    expectNoSecret(closed.stdout + closed.stderr, 'diagnose with an unreachable proxy');
  });
});

describe('the request log', () => {
  it('masks token, api_key and similar query parameters', async () => {
    const api = await testApi(sqliteDriver());
    try {
      await api.app.inject({ method: 'GET', url: `/health?token=${QUERY_SECRET}&api_key=${PASSWORD}&x=1` });
      await api.app.inject({ method: 'GET', url: `/alerts?access_token=${QUERY_SECRET}` });
      const requestLines = api.logs.filter((line) => line.includes('"req":'));
      expect(requestLines.length).toBeGreaterThanOrEqual(2);
      expect(requestLines.join('\n')).toContain('/health?token=***&api_key=***&x=1');
      expectNoSecret(api.logs.join('\n'), 'request log');
    } finally {
      await api.close();
    }
  });
});

let serial = 0;
function pendingRow(over: Partial<Insertable<AlertLogTable>> = {}): Insertable<AlertLogTable> {
  const at = Date.now() - 60_000 + ++serial;
  return {
    rule_type: 'app',
    rule_id: 1,
    app_name: 'checkout',
    message_key: null,
    channel: 'telegram_chat',
    destination: '4242',
    target_id: null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: at,
    last_error: null,
    violation_count: 1,
    payload: JSON.stringify(notification()),
    created_at: at,
    updated_at: at,
    sent_at: null,
    ...over,
  };
}

describe.each(drivers)('last_error in GET /alerts over $driver', (driver) => {
  let api: TestApi;
  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver, { env: telegramEnv() });
  });
  afterAll(async () => api?.close());

  it.skipIf(driver.skipReason)(
    'a failed send through a credentialed TELEGRAM_API_BASE stores and serves no secret',
    async () => {
      for (const base of [apiBase(), `http://tguser:${PASSWORD}@127.0.0.1:1/x?api_key=${QUERY_SECRET}`]) {
        await api.ctx.state.db.deleteFrom('alert_log').execute();
        const config = { ...api.ctx.config, telegram: { ...api.ctx.config.telegram, apiBase: base } };
        const outbox = new Outbox(api.ctx.state.db, {
          notifiers: createNotifiers(config),
          targets: api.ctx.targets,
          retry: exponentialBackoff(),
          secrets: secretsOf(config),
          logger: api.ctx.logger,
        });
        await insertAlertRows(api.ctx.state.db, { row: pendingRow() });
        const report = await outbox.deliverDue();
        expect(report.sent).toBe(0);
        const [row] = await api.ctx.state.db.selectFrom('alert_log').selectAll().execute();
        expect(row!.last_error).toBeTruthy();
        expectNoSecret(row!.last_error ?? '', 'stored last_error');
        const listed = await api.app.inject({ method: 'GET', url: '/alerts' });
        expect(listed.statusCode).toBe(200);
        expectNoSecret(listed.body, 'GET /alerts');
      }
    },
  );

  it.skipIf(driver.skipReason)('a row stored with a secret in last_error is served masked', async () => {
    await api.ctx.state.db.deleteFrom('alert_log').execute();
    await insertAlertRows(api.ctx.state.db, {
      legacy: pendingRow({
        attempts: 1,
        last_error: `Request cannot be constructed from a URL that includes credentials: http://tguser:${PASSWORD}@proxy.example.com/x?api_key=${QUERY_SECRET}&token=${QUERY_SECRET}`,
      }),
    });
    const listed = await api.app.inject({ method: 'GET', url: '/alerts' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data.items[0].last_error).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://***@proxy.example.com/x?api_key=***&token=***',
    );
  });
});
