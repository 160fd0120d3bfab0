import { createHash } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/access/principal.js';
import type { RouteAccess } from '../../src/access/route-access.js';
import { bearerMatches } from '../../src/http/auth.js';
import { sqliteDriver, type TestApi, testApi } from './support.js';

const TOKEN = 'test-token-0123456789abcdef';

/**
 * `/events` streams until the server closes; with its streams closed from the start it answers
 * 503 right after authentication, so "served" can be told from "refused" without waiting.
 */
const closedEventStreams = { events: { signal: AbortSignal.abort() } };

type Method = NonNullable<InjectOptions['method']>;
interface Endpoint {
  method: Method;
  /** As the OpenAPI document names it, e.g. `/rules/app/{id}`. */
  path: string;
  url: string;
}

/**
 * Every documented operation, plus the documentation itself, with ids that match nothing (a
 * request that gets through changes nothing).
 */
async function everyEndpoint(api: TestApi): Promise<Endpoint[]> {
  const doc = (await api.app.inject({ url: '/docs/json', headers: { authorization: `Bearer ${TOKEN}` } })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const endpoints: Endpoint[] = [
    { method: 'GET', path: '/docs', url: '/docs' },
    { method: 'GET', path: '/docs/json', url: '/docs/json' },
  ];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const method of Object.keys(operations)) {
      endpoints.push({
        method: method.toUpperCase() as Method,
        path,
        url: path.replace('{id}', '999999').replace('{index}', 'logs'),
      });
    }
  }
  return endpoints;
}

const isIngestion = (path: string) =>
  path === '/ingest' || path.startsWith('/v1/') || path.startsWith('/elasticsearch');

/**
 * What each route needs, stated here apart from the server's own declarations: a route the
 * server adds without declaring its access needs admin there, and fails this walk until this
 * table says otherwise.
 */
function expectedAccess({ method, path }: Endpoint): RouteAccess {
  if (path === '/health') return 'public';
  if (path === '/whoami') return 'authenticated';
  if (path.startsWith('/tokens')) return 'admin';
  if (isIngestion(path)) return 'ingest';
  if (method === 'GET') return 'read';
  if (/^\/(rules|targets|silences)(\/|$)/.test(path)) return 'write';
  return 'admin';
}

const allows = (scope: Scope, access: RouteAccess): boolean =>
  access === 'public' ||
  access === 'authenticated' ||
  scope === 'admin' ||
  (access === 'read' && (scope === 'read' || scope === 'write')) ||
  access === scope;

/** The error message of either answer shape: lagwatch's envelope, or Elasticsearch's on /elasticsearch. */
function errorMessage(body: { error?: { message?: string; reason?: string } }): string | undefined {
  return body.error?.message ?? body.error?.reason;
}

describe('the route × scope walk (API_TOKEN and stored tokens)', () => {
  let api: TestApi;
  let endpoints: Endpoint[];
  const secrets: Record<string, string> = {};
  beforeAll(async () => {
    api = await testApi(sqliteDriver(), { env: { API_TOKEN: TOKEN }, ...closedEventStreams });
    for (const scope of ['ingest', 'read', 'write', 'admin'] as const) {
      secrets[scope] = (await api.ctx.tokens.create({ name: `${scope}-token`, scope, expires_at: null }, 'cli')).secret;
    }
    secrets.expired = (
      await api.ctx.tokens.create({ name: 'old', scope: 'admin', expires_at: Date.now() - 1_000 }, 'cli')
    ).secret;
    const revoked = await api.ctx.tokens.create({ name: 'gone', scope: 'admin', expires_at: null }, 'cli');
    await api.ctx.tokens.revoke(revoked.token.id, 'cli');
    secrets.revoked = revoked.secret;
    endpoints = await everyEndpoint(api);
  });
  afterAll(async () => {
    await api.close();
  });

  const call = (endpoint: Endpoint, authorization?: string) =>
    api.app.inject({
      method: endpoint.method,
      url: endpoint.url,
      headers: authorization === undefined ? {} : { authorization },
      payload: endpoint.method === 'GET' ? undefined : {},
    });

  it('lists the routes (the walk covers something)', () => {
    expect(endpoints.length).toBeGreaterThan(40);
    expect(endpoints.map((e) => `${e.method} ${e.path}`)).toEqual(
      expect.arrayContaining(['GET /tokens', 'POST /tokens', 'DELETE /tokens/{id}', 'GET /whoami', 'GET /metrics']),
    );
  });

  it.each(['ingest', 'read', 'write', 'admin'] as const)(
    'a %s token gets exactly its routes; others 403 naming the scope',
    async (scope) => {
      for (const endpoint of endpoints) {
        const access = expectedAccess(endpoint);
        const response = await call(endpoint, `Bearer ${secrets[scope]}`);
        const seen = { endpoint: `${endpoint.method} ${endpoint.path}`, status: response.statusCode };
        if (allows(scope, access)) {
          expect(seen).not.toEqual({ ...seen, status: 403 });
          expect(seen).not.toEqual({ ...seen, status: 401 });
        } else {
          expect(seen).toEqual({ ...seen, status: 403 });
          expect(errorMessage(response.json())).toBe(
            `this needs the ${access} scope; the token ${scope}-token has ${scope}`,
          );
        }
      }
    },
  );

  it('without a token, or with an expired or revoked one, only /health answers; 401 says which', async () => {
    const cases = [
      { authorization: undefined, message: /^missing token/ },
      { authorization: 'Bearer wrong-token', message: /^wrong token/ },
      { authorization: `Bearer ${TOKEN}x`, message: /^wrong token/ },
      { authorization: TOKEN, message: /^missing token/ },
      { authorization: 'Bearer ', message: /^missing token/ },
      { authorization: `Bearer ${secrets.expired}`, message: /^the token old expired at \d{4}-/ },
      { authorization: `Bearer ${secrets.revoked}`, message: /^the token gone was revoked$/ },
    ];
    for (const endpoint of endpoints) {
      for (const { authorization, message } of cases) {
        const response = await call(endpoint, authorization);
        const seen = { endpoint: `${endpoint.method} ${endpoint.path}`, authorization, status: response.statusCode };
        if (expectedAccess(endpoint) === 'public') {
          expect(seen).toEqual({ ...seen, status: 200 });
          continue;
        }
        expect(seen).toEqual({ ...seen, status: 401 });
        expect(errorMessage(response.json())).toMatch(message);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="lagwatch"');
        for (const secret of Object.values(secrets)) expect(response.body).not.toContain(secret);
      }
    }
  });

  it('API_TOKEN opens every route (any case of "bearer")', async () => {
    for (const endpoint of endpoints) {
      for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
        const response = await call(endpoint, authorization);
        expect({ endpoint: endpoint.path, status: response.statusCode }).not.toEqual({
          endpoint: endpoint.path,
          status: expect.toSatisfy((status: number) => status === 401 || status === 403),
        });
      }
    }
  });

  it('ingestion routes take the token as ApiKey, ApiKey base64(id:token) and the Basic password; other routes do not', async () => {
    const forms = (secret: string) => [
      `ApiKey ${secret}`,
      `ApiKey ${Buffer.from(`shipper-1:${secret}`).toString('base64')}`,
      `Basic ${Buffer.from(`any-user:${secret}`).toString('base64')}`,
    ];
    const ingestion = endpoints.filter((endpoint) => isIngestion(endpoint.path));
    expect(ingestion.map((e) => e.path)).toEqual(
      expect.arrayContaining(['/ingest', '/v1/logs', '/v1/traces', '/elasticsearch/_bulk']),
    );
    for (const endpoint of ingestion) {
      for (const authorization of [...forms(secrets.ingest), ...forms(TOKEN)]) {
        const status = (await call(endpoint, authorization)).statusCode;
        expect({ endpoint: endpoint.path, authorization, status }).not.toEqual({
          endpoint: endpoint.path,
          authorization,
          status: expect.toSatisfy((s: number) => s === 401 || s === 403),
        });
      }
      for (const authorization of forms(secrets.read)) {
        expect((await call(endpoint, authorization)).statusCode).toBe(403);
      }
    }
    for (const authorization of [...forms(secrets.admin), ...forms(TOKEN)]) {
      const response = await api.app.inject({ url: '/rules/app', headers: { authorization } });
      expect(response.statusCode).toBe(401);
    }
  });

  it('GET /whoami names the token, its scope and expiry', async () => {
    const whoami = async (authorization: string) =>
      (await api.app.inject({ url: '/whoami', headers: { authorization } })).json().data;
    expect(await whoami(`Bearer ${secrets.ingest}`)).toEqual({
      actor: 'token:ingest-token',
      scope: 'ingest',
      name: 'ingest-token',
      expires_at: null,
    });
    expect(await whoami(`Bearer ${TOKEN}`)).toEqual({
      actor: 'api_token',
      scope: 'admin',
      name: null,
      expires_at: null,
    });
  });

  it('never writes a token to the logs', async () => {
    await api.app.inject({ url: '/rules/app', headers: { authorization: `Bearer ${TOKEN}` } });
    await api.app.inject({ url: '/rules/app', headers: { authorization: `Bearer ${TOKEN}-wrong` } });
    await api.app.inject({ url: '/rules/app', headers: { authorization: `Bearer ${secrets.revoked}` } });
    expect(api.logs.length).toBeGreaterThan(0);
    const logs = api.logs.join('');
    for (const secret of [TOKEN, ...Object.values(secrets)]) expect(logs).not.toContain(secret);
  });

  it('documents bearer security in the OpenAPI document', async () => {
    const doc = (await api.app.inject({ url: '/docs/json', headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });
});

describe('without API_TOKEN', () => {
  it('serves every endpoint to the anonymous admin until a token exists, and again once none is active', async () => {
    const api = await testApi(sqliteDriver(), closedEventStreams);
    try {
      const endpoints = await everyEndpoint(api);
      for (const endpoint of endpoints) {
        const response = await api.app.inject({ method: endpoint.method, url: endpoint.url });
        expect({ ...endpoint, status: response.statusCode }).not.toEqual({ ...endpoint, status: 401 });
      }
      expect((await api.app.inject({ url: '/whoami' })).json().data).toEqual({
        actor: 'anonymous',
        scope: 'admin',
        name: null,
        expires_at: null,
      });

      // A read token turns authentication on: otherwise the API would stay open as admin to anyone.
      const { token, secret } = await api.ctx.tokens.create({ name: 'viewer', scope: 'read', expires_at: null }, 'cli');
      expect((await api.app.inject({ url: '/rules/app' })).statusCode).toBe(401);
      expect((await api.app.inject({ url: '/health' })).statusCode).toBe(200);
      const authed = { authorization: `Bearer ${secret}` };
      expect((await api.app.inject({ url: '/rules/app', headers: authed })).statusCode).toBe(200);
      expect(
        (await api.app.inject({ method: 'POST', url: '/rules/app', headers: authed, payload: {} })).statusCode,
      ).toBe(403);

      await api.ctx.tokens.revoke(token.id, 'cli');
      expect((await api.app.inject({ url: '/rules/app' })).statusCode).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('a token request is not subject to the Host check that guards the open API', async () => {
    const api = await testApi(sqliteDriver());
    try {
      const { secret } = await api.ctx.tokens.create({ name: 'remote', scope: 'read', expires_at: null }, 'cli');
      const response = await api.app.inject({
        url: '/rules/app',
        headers: { host: 'lagwatch.example.net', authorization: `Bearer ${secret}` },
      });
      expect(response.statusCode).toBe(200);
    } finally {
      await api.close();
    }
  });
});

describe('bearerMatches', () => {
  const expected = createHash('sha256').update('s3cret').digest();
  it.each([
    ['Bearer s3cret', true],
    ['bearer s3cret', true],
    ['Bearer   s3cret  ', true],
    ['Bearer s3cre', false],
    ['Bearer s3cretX', false],
    ['Bearer', false],
    ['Token s3cret', false],
    ['s3cret', false],
  ])('%s → %s', (header, result) => {
    expect(bearerMatches(header, expected)).toBe(result);
  });
  it('rejects a missing header', () => {
    expect(bearerMatches(undefined, expected)).toBe(false);
  });
});
