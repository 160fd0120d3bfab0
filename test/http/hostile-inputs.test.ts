import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { type TestApi, testApi, validAppRule, validMessageRule, validTarget } from './support.js';

interface HostileCase {
  name: string;
  request: InjectOptions;
  status: number;
  /** A field that must be named in error.details. */
  field?: string;
}

const json = { 'content-type': 'application/json' };
const post = (url: string, payload: unknown): InjectOptions => ({ method: 'POST', url, payload: payload as object });
const put = (url: string, payload: unknown): InjectOptions => ({ method: 'PUT', url, payload: payload as object });
const raw = (method: 'POST' | 'PUT', url: string, body: string, headers: Record<string, string> = json) =>
  ({ method, url, payload: body, headers }) as InjectOptions;
const get = (url: string): InjectOptions => ({ method: 'GET', url });
const del = (url: string): InjectOptions => ({ method: 'DELETE', url });

const huge = 'x'.repeat(10_000);
const sqlInjection = "x'; DROP TABLE app_rules; --";
const htmlInjection = '<script>alert(1)</script>';

// Ids 1 of each resource exist (seeded); id 2 of app rules too ("seeded-two").
const CASES: HostileCase[] = [
  // POST /rules/app: body validation (422) and malformed bodies (400, 413, 415)
  { name: 'empty object', request: post('/rules/app', {}), status: 422, field: 'app_name' },
  {
    name: 'missing max_duration',
    request: post('/rules/app', { app_name: 'a', alert_channels: ['email'] }),
    status: 422,
    field: 'max_duration',
  },
  {
    name: 'max_duration as string',
    request: post('/rules/app', validAppRule({ app_name: 'n1', max_duration: '500' })),
    status: 422,
    field: 'max_duration',
  },
  {
    name: 'zero threshold',
    request: post('/rules/app', validAppRule({ app_name: 'n2', max_duration: 0 })),
    status: 422,
    field: 'max_duration',
  },
  {
    name: 'negative threshold',
    request: post('/rules/app', validAppRule({ app_name: 'n3', max_duration: -5 })),
    status: 422,
    field: 'max_duration',
  },
  {
    name: 'absurd threshold',
    request: post('/rules/app', validAppRule({ app_name: 'n4', max_duration: 1e13 })),
    status: 422,
    field: 'max_duration',
  },
  {
    name: 'empty channel list',
    request: post('/rules/app', validAppRule({ app_name: 'n5', alert_channels: [] })),
    status: 422,
    field: 'alert_channels',
  },
  {
    name: 'duplicate channels',
    request: post('/rules/app', validAppRule({ app_name: 'n6', alert_channels: ['email', 'email'] })),
    status: 422,
    field: 'alert_channels',
  },
  {
    name: 'unknown channel',
    request: post('/rules/app', validAppRule({ app_name: 'n7', alert_channels: ['sms'] })),
    status: 422,
    field: 'alert_channels.0',
  },
  {
    name: 'HTML in channel',
    request: post('/rules/app', validAppRule({ app_name: 'n8', alert_channels: [htmlInjection] })),
    status: 422,
    field: 'alert_channels.0',
  },
  {
    name: 'channels as string',
    request: post('/rules/app', validAppRule({ app_name: 'n9', alert_channels: 'email' })),
    status: 422,
    field: 'alert_channels',
  },
  {
    name: 'negative cooldown',
    request: post('/rules/app', validAppRule({ app_name: 'n10', cooldown_minutes: -1 })),
    status: 422,
    field: 'cooldown_minutes',
  },
  {
    name: 'fractional cooldown',
    request: post('/rules/app', validAppRule({ app_name: 'n11', cooldown_minutes: 1.5 })),
    status: 422,
    field: 'cooldown_minutes',
  },
  {
    name: 'is_active as string',
    request: post('/rules/app', validAppRule({ app_name: 'n12', is_active: 'true' })),
    status: 422,
    field: 'is_active',
  },
  {
    name: 'extra field',
    request: post('/rules/app', validAppRule({ app_name: 'n13', owner: 'me' })),
    status: 422,
    field: 'owner',
  },
  {
    name: 'id in body',
    request: post('/rules/app', validAppRule({ app_name: 'n14', id: 77 })),
    status: 422,
    field: 'id',
  },
  {
    name: 'empty app_name',
    request: post('/rules/app', validAppRule({ app_name: '' })),
    status: 422,
    field: 'app_name',
  },
  {
    name: 'huge app_name',
    request: post('/rules/app', validAppRule({ app_name: huge })),
    status: 422,
    field: 'app_name',
  },
  {
    name: 'control characters in app_name',
    request: post('/rules/app', validAppRule({ app_name: 'a\nb\u0000' })),
    status: 422,
    field: 'app_name',
  },
  {
    name: 'trailing space in app_name (MySQL would call it equal to the name without)',
    request: post('/rules/app', validAppRule({ app_name: 'core ' })),
    status: 422,
    field: 'app_name',
  },
  {
    name: 'leading tab in message_key',
    request: post('/rules/message', validMessageRule({ app_name: 'n16', message_key: '\tkey' })),
    status: 422,
    field: 'message_key',
  },
  {
    name: 'null app_name',
    request: post('/rules/app', validAppRule({ app_name: null })),
    status: 422,
    field: 'app_name',
  },
  {
    name: 'SQL injection with an invalid threshold',
    request: post('/rules/app', validAppRule({ app_name: sqlInjection, max_duration: -1 })),
    status: 422,
    field: 'max_duration',
  },
  { name: 'array body', request: post('/rules/app', [validAppRule({ app_name: 'n15' })]), status: 422 },
  { name: 'string body', request: raw('POST', '/rules/app', '"checkout"'), status: 422 },
  { name: 'number body', request: raw('POST', '/rules/app', '42'), status: 422 },
  { name: 'null body', request: raw('POST', '/rules/app', 'null'), status: 422 },
  { name: 'broken JSON', request: raw('POST', '/rules/app', '{"app_name":'), status: 400 },
  { name: 'trailing garbage', request: raw('POST', '/rules/app', '{}x'), status: 400 },
  {
    name: '__proto__ pollution',
    request: raw('POST', '/rules/app', '{"__proto__":{"admin":true},"app_name":"p"}'),
    status: 400,
  },
  {
    name: 'constructor.prototype pollution',
    request: raw('POST', '/rules/app', '{"constructor":{"prototype":{"admin":true}}}'),
    status: 400,
  },
  // No body (DESIGN: an empty JSON body is none): 422, a body is required.
  { name: 'empty JSON body', request: raw('POST', '/rules/app', ''), status: 422 },
  {
    name: 'text/plain body',
    request: raw('POST', '/rules/app', JSON.stringify(validAppRule({ app_name: 't1' })), {
      'content-type': 'text/plain',
    }),
    status: 415,
  },
  {
    name: 'XML body',
    request: raw('POST', '/rules/app', '<rule/>', { 'content-type': 'application/xml' }),
    status: 415,
  },
  {
    name: 'form body',
    request: raw('POST', '/rules/app', 'app_name=f&max_duration=5', {
      'content-type': 'application/x-www-form-urlencoded',
    }),
    status: 415,
  },
  {
    name: 'body without a content type',
    request: raw('POST', '/rules/app', JSON.stringify(validAppRule({ app_name: 'c1' })), {}),
    status: 415,
  },
  {
    name: 'JSON in UTF-16',
    request: raw('POST', '/rules/app', JSON.stringify(validAppRule({ app_name: 'c2' })), {
      'content-type': 'application/json; charset=utf-16',
    }),
    status: 415,
  },
  {
    name: 'JSON patch media type',
    request: raw('POST', '/rules/app', '[]', { 'content-type': 'application/json-patch+json' }),
    status: 415,
  },
  {
    name: 'deeply nested JSON',
    request: raw('POST', '/rules/app', `${'['.repeat(5000)}${']'.repeat(5000)}`),
    status: 400, // refused before parsing: deeper than MAX_JSON_DEPTH
  },
  {
    name: 'threshold that overflows to Infinity',
    request: raw('POST', '/rules/app', '{"app_name":"inf","max_duration":1e400,"alert_channels":["email"]}'),
    status: 422,
    field: 'max_duration',
  },
  {
    name: 'DEL character in app_name',
    request: post('/rules/app', validAppRule({ app_name: 'del\u007f' })),
    status: 422,
    field: 'app_name',
  },
  { name: 'very long id', request: get(`/rules/app/${'9'.repeat(500)}`), status: 414 },
  { name: 'broken percent-encoding in id', request: get('/rules/app/%E0%A4%A'), status: 400 },
  {
    name: 'body over 1 MiB',
    request: raw('POST', '/rules/app', JSON.stringify(validAppRule({ app_name: 'x'.repeat(1_100_000) }))),
    status: 413,
  },
  { name: 'duplicate app rule', request: post('/rules/app', validAppRule({ app_name: 'seeded' })), status: 409 },

  // PUT /rules/app/:id
  { name: 'empty update', request: put('/rules/app/1', {}), status: 422 },
  {
    name: 'null threshold update',
    request: put('/rules/app/1', { max_duration: null }),
    status: 422,
    field: 'max_duration',
  },
  {
    name: 'message_key on an app rule',
    request: put('/rules/app/1', { message_key: 'k' }),
    status: 422,
    field: 'message_key',
  },
  {
    name: 'update to an empty channel list',
    request: put('/rules/app/1', { alert_channels: [] }),
    status: 422,
    field: 'alert_channels',
  },
  { name: 'rename onto another rule', request: put('/rules/app/2', { app_name: 'seeded' }), status: 409 },
  { name: 'update unknown id', request: put('/rules/app/999', { max_duration: 5 }), status: 404 },

  // ids in paths
  { name: 'non-numeric id', request: get('/rules/app/abc'), status: 400, field: 'id' },
  { name: 'zero id', request: get('/rules/app/0'), status: 400, field: 'id' },
  { name: 'negative id', request: get('/rules/app/-1'), status: 400, field: 'id' },
  { name: 'fractional id', request: get('/rules/app/1.5'), status: 400, field: 'id' },
  { name: 'id beyond INT', request: get('/rules/app/99999999999999999999'), status: 400, field: 'id' },
  {
    name: 'SQL injection in id',
    request: get(`/rules/app/${encodeURIComponent("1' OR '1'='1")}`),
    status: 400,
    field: 'id',
  },
  { name: 'HTML in id', request: del(`/targets/${encodeURIComponent(htmlInjection)}`), status: 400, field: 'id' },
  { name: 'delete with non-numeric id', request: del('/rules/message/abc'), status: 400, field: 'id' },
  { name: 'delete unknown app rule', request: del('/rules/app/999'), status: 404 },
  { name: 'delete unknown target', request: del('/targets/424242'), status: 404 },
  { name: 'read unknown message rule', request: get('/rules/message/31337'), status: 404 },

  // message rules
  {
    name: 'message rule without message_key',
    request: post('/rules/message', validAppRule({ app_name: 'm1' })),
    status: 422,
    field: 'message_key',
  },
  {
    name: 'huge message_key',
    request: post('/rules/message', validMessageRule({ message_key: huge })),
    status: 422,
    field: 'message_key',
  },
  {
    name: 'duplicate message rule',
    request: post('/rules/message', validMessageRule({ app_name: 'seeded', message_key: 'seeded.key' })),
    status: 409,
  },

  // targets: external_id checked against the type
  {
    name: 'telegram_chat with a word',
    request: post('/targets', validTarget({ name: 't1', type: 'telegram_chat', external_id: 'abc' })),
    status: 422,
    field: 'external_id',
  },
  {
    name: 'telegram_group with a positive id',
    request: post('/targets', validTarget({ name: 't2', type: 'telegram_group', external_id: '12345' })),
    status: 422,
    field: 'external_id',
  },
  {
    name: 'email without @',
    request: post('/targets', validTarget({ name: 't3', external_id: 'not-an-email' })),
    status: 422,
    field: 'external_id',
  },
  {
    name: 'email header injection',
    request: post('/targets', validTarget({ name: 't4', external_id: 'a@b.com\r\nBcc: x@y.z' })),
    status: 422,
    field: 'external_id',
  },
  {
    name: 'javascript: webhook',
    request: post('/targets', validTarget({ name: 't5', type: 'webhook', external_id: 'javascript:alert(1)' })),
    status: 422,
    field: 'external_id',
  },
  {
    name: 'ftp webhook',
    request: post('/targets', validTarget({ name: 't6', type: 'webhook', external_id: 'ftp://files.example.com/x' })),
    status: 422,
    field: 'external_id',
  },
  {
    name: 'unknown target type',
    request: post('/targets', validTarget({ name: 't7', type: 'sms' })),
    status: 422,
    field: 'type',
  },
  {
    name: 'huge external_id',
    request: post('/targets', validTarget({ name: 't8', type: 'webhook', external_id: `https://x.io/${huge}` })),
    status: 422,
    field: 'external_id',
  },
  {
    name: 'SQL injection as target name with a bad address',
    request: post('/targets', validTarget({ name: sqlInjection, external_id: 'nope' })),
    status: 422,
    field: 'external_id',
  },
  {
    name: 'duplicate target name',
    request: post('/targets', validTarget({ name: 'seeded target', external_id: 'other@example.com' })),
    status: 409,
  },
  {
    name: 'retype a target to a mismatching type',
    request: put('/targets/1', { type: 'telegram_group' }),
    status: 422,
    field: 'external_id',
  },

  // query strings
  { name: 'page 0', request: get('/rules/app?page=0'), status: 400, field: 'page' },
  { name: 'per_page over 500', request: get('/rules/app?per_page=501'), status: 400, field: 'per_page' },
  { name: 'negative per_page', request: get('/targets?per_page=-1'), status: 400, field: 'per_page' },
  { name: 'page as text', request: get('/alerts?page=abc'), status: 400, field: 'page' },
  { name: 'is_active as maybe', request: get('/rules/app?is_active=maybe'), status: 400, field: 'is_active' },
  { name: 'unknown query parameter', request: get('/rules/app?app=checkout'), status: 400, field: 'app' },
  {
    name: 'HTML as target type filter',
    request: get(`/targets?type=${encodeURIComponent(htmlInjection)}`),
    status: 400,
    field: 'type',
  },
  {
    name: 'SQL injection as status filter',
    request: get(`/alerts?status=${encodeURIComponent("' OR 1=1 --")}`),
    status: 400,
    field: 'status',
  },
  { name: 'unknown channel filter', request: get('/alerts?channel=sms'), status: 400, field: 'channel' },
  { name: 'empty message_key filter', request: get('/rules/message?message_key='), status: 400, field: 'message_key' },
  {
    name: 'app_name filter with a trailing space',
    request: get('/rules/message?app_name=core%20'),
    status: 400,
    field: 'app_name',
  },
  { name: 'huge app_name filter', request: get(`/rules/app?app_name=${huge}`), status: 400, field: 'app_name' },
  { name: 'repeated page parameter', request: get('/rules/app?page=1&page=2'), status: 400, field: 'page' },

  // routes
  { name: 'unknown route', request: get('/rules/nope'), status: 404 },
  {
    name: 'unsupported method',
    request: { method: 'PATCH', url: '/rules/app/1', payload: { max_duration: 5 } },
    status: 404,
  },
  { name: 'POST to an item', request: post('/rules/app/1', validAppRule({ app_name: 'x1' })), status: 404 },
  { name: 'path traversal', request: get('/rules/app/1/../../../etc/passwd'), status: 404 },
];

const TABLES = ['app_rules', 'message_rules', 'alert_targets', 'alert_log'] as const;

const drivers = driversUnderTest();
announceSkips(drivers, 'http hostile inputs');

describe.each(drivers)('hostile and malformed inputs over $driver', (driver) => {
  let api: TestApi;
  const snapshot = async () => {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES)
      out[table] = await api.ctx.state.db.selectFrom(table).selectAll().orderBy('id').execute();
    return out;
  };

  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver);
    const seed = async (url: string, payload: object) => {
      const response = await api.app.inject({ method: 'POST', url, payload });
      expect(response.statusCode).toBe(201);
    };
    await seed('/rules/app', validAppRule({ app_name: 'seeded' }));
    await seed('/rules/app', validAppRule({ app_name: 'seeded-two' }));
    await seed('/rules/message', validMessageRule({ app_name: 'seeded', message_key: 'seeded.key' }));
    await seed('/targets', validTarget({ name: 'seeded target' }));
  });
  afterAll(async () => {
    await api?.close();
  });

  it('has a table of at least 50 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
  });

  it.skipIf(driver.skipReason).each(CASES)('$name → $status, envelope, nothing changed', async (testCase) => {
    const before = await snapshot();
    const response = await api.app.inject(testCase.request);
    expect(response.statusCode).toBe(testCase.status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json();
    expect(body).toEqual({
      status: 'error',
      error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
    });
    for (const detail of body.error.details)
      expect(detail).toEqual({ field: expect.any(String), message: expect.any(String) });
    if (testCase.field) expect(body.error.details.map((d: { field: string }) => d.field)).toContain(testCase.field);
    expect(response.body).not.toContain('<script>');
    expect(await snapshot()).toEqual(before);
  });
});

describe('values that look hostile but are valid', () => {
  it('stores injection strings literally and the tables survive', async () => {
    const api = await testApi(driversUnderTest()[0]);
    try {
      const created = await api.app.inject({
        method: 'POST',
        url: '/rules/app',
        payload: validAppRule({ app_name: sqlInjection }),
      });
      expect(created.statusCode).toBe(201);
      const html = await api.app.inject({
        method: 'POST',
        url: '/rules/app',
        payload: validAppRule({ app_name: htmlInjection }),
      });
      expect(html.statusCode).toBe(201);
      const listed = await api.app.inject({ url: `/rules/app?app_name=${encodeURIComponent(sqlInjection)}` });
      expect(listed.json().data.items.map((r: { app_name: string }) => r.app_name)).toEqual([sqlInjection]);
      expect((await api.app.inject({ url: '/rules/app' })).json().data.total).toBe(2);
    } finally {
      await api.close();
    }
  });
});
