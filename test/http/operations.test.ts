import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { closedPort } from '../support/ports.js';
import { sqliteDriver, type TestApi, testApi } from './support.js';

describe('health and readiness', () => {
  it('/health answers', async () => {
    const api = await testApi(sqliteDriver(), { logSource: () => Promise.reject(new Error('log store unreachable')) });
    try {
      const response = await api.app.inject({ url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'success', data: { alive: true } });
    } finally {
      await api.close();
    }
  });

  it('/ready is 200 when the database and the embedded log store answer', async () => {
    const api = await testApi(sqliteDriver());
    try {
      const response = await api.app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(200);
      const { data } = response.json();
      expect(data.ready).toBe(true);
      expect(data.checks.database).toMatchObject({ ok: true, description: 'sqlite' });
      expect(data.checks.log_source.ok).toBe(true);
      expect(data.checks.redis).toBeUndefined();
    } finally {
      await api.close();
    }
  });

  it('/ready is 503 naming the log source when it cannot be opened', async () => {
    const api = await testApi(sqliteDriver(), { logSource: () => Promise.reject(new Error('log store unreachable')) });
    try {
      const response = await api.app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        status: 'error',
        error: {
          code: 'unavailable',
          message: 'not ready: log_source is down',
          details: [{ field: 'log_source', message: 'log store unreachable' }],
        },
      });
    } finally {
      await api.close();
    }
  });

  it('/ready bounds a log source that never answers', async () => {
    const api = await testApi(sqliteDriver(), { logSource: () => new Promise(() => {}), readinessTimeoutMs: 100 });
    try {
      const response = await api.app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.details).toEqual([
        { field: 'log_source', message: 'log_source did not answer within 100 ms' },
      ]);
    } finally {
      await api.close();
    }
  });

  it('/ready is 503 naming the database when it is closed', async () => {
    const api = await testApi(sqliteDriver());
    try {
      await api.ctx.state.close();
      const response = await api.app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.message).toBe('not ready: database is down');
    } finally {
      await api.close(); // closing the database a second time is harmless
    }
  });

  it('/ready is 503 naming Redis when it is configured but unreachable', async () => {
    const port = await closedPort();
    const api = await testApi(sqliteDriver(), { env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port) } });
    try {
      const response = await api.app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json().error).toMatchObject({
        message: 'not ready: redis is down',
        details: [{ field: 'redis', message: expect.any(String) }],
      });
    } finally {
      await api.close();
    }
  });

  const redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl) console.warn('[http operations] SKIPPED Redis readiness: TEST_REDIS_URL is not set');
  it.skipIf(!redisUrl)('/ready pings Redis when configured', async () => {
    const url = new URL(redisUrl as string);
    const api = await testApi(sqliteDriver(), { env: { REDIS_HOST: url.hostname, REDIS_PORT: url.port || '6379' } });
    try {
      const response = await api.app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json().data.checks.redis.ok).toBe(true);
    } finally {
      await api.close();
    }
  });
});

const drivers = driversUnderTest();
announceSkips(drivers, 'http readiness');

describe.each(drivers)('/ready over $driver', (driver) => {
  it.skipIf(driver.skipReason)('checks the state database', async () => {
    const api = await testApi(driver);
    try {
      const response = await api.app.inject({ url: '/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json().data.checks.database).toMatchObject({ ok: true, description: driver.driver });
    } finally {
      await api.close();
    }
  });
});

describe('metrics, documentation and headers', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi(sqliteDriver(), {
      extraRoutes: async (app) => {
        app.get(
          '/extra/echo/:word',
          { schema: { params: Type.Object({ word: Type.String({ maxLength: 5 }) }) } },
          async (request) => ({ status: 'success', data: request.params.word }),
        );
      },
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it('/metrics has process metrics and the request histogram by route pattern and status', async () => {
    await api.app.inject({ url: '/rules/app/12345' });
    await api.app.inject({ url: '/rules/app' });
    await api.app.inject({ url: '/no/such/route/zebra' });
    const response = await api.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/rules\/app\/:id",status_code="404"\} \d+/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/rules\/app",status_code="200"\}/,
    );
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} \d+/);
    expect(text).not.toContain('/rules/app/12345');
    expect(text).not.toContain('zebra');
  });

  it('/docs/json is an OpenAPI 3 document listing every route', async () => {
    const response = await api.app.inject({ url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'lagwatch API', version: expect.any(String) });
    const operations = Object.entries(doc.paths as Record<string, Record<string, { responses: object }>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /health',
        'GET /ready',
        'GET /metrics',
        'GET /rules/app',
        'POST /rules/app',
        'GET /rules/app/{id}',
        'PUT /rules/app/{id}',
        'DELETE /rules/app/{id}',
        'GET /rules/message',
        'POST /rules/message',
        'GET /rules/message/{id}',
        'PUT /rules/message/{id}',
        'DELETE /rules/message/{id}',
        'GET /rules',
        'GET /rules/latency',
        'POST /rules/latency',
        'POST /rules/latency/preview',
        'GET /rules/latency/{id}',
        'PUT /rules/latency/{id}',
        'DELETE /rules/latency/{id}',
        'GET /rules/absence',
        'POST /rules/absence',
        'POST /rules/absence/preview',
        'GET /rules/absence/{id}',
        'PUT /rules/absence/{id}',
        'DELETE /rules/absence/{id}',
        'GET /rules/slo',
        'POST /rules/slo',
        'POST /rules/slo/preview',
        'GET /rules/slo/{id}',
        'PUT /rules/slo/{id}',
        'DELETE /rules/slo/{id}',
        'GET /rules/slo/{id}/status',
        'GET /rules/slo/{id}/history',
        'GET /incidents',
        'GET /incidents/{id}',
        'GET /targets',
        'POST /targets',
        'GET /targets/{id}',
        'PUT /targets/{id}',
        'DELETE /targets/{id}',
        'POST /targets/{id}/test',
        'GET /alerts',
        'GET /alerts/{id}/preview',
        'GET /channels',
        'GET /silences',
        'POST /silences',
        'GET /silences/{id}',
        'DELETE /silences/{id}',
        'GET /audit',
        'GET /tokens',
        'POST /tokens',
        'DELETE /tokens/{id}',
        'GET /whoami',
        'POST /ingest',
        'POST /v1/traces',
        'POST /v1/logs',
        'GET /elasticsearch',
        'GET /elasticsearch/_license',
        'GET /elasticsearch/_cluster/health',
        'POST /elasticsearch/_bulk',
        'PUT /elasticsearch/_bulk',
        'POST /elasticsearch/{index}/_bulk',
        'PUT /elasticsearch/{index}/_bulk',
        'GET /dashboard/overview',
        'GET /dashboard/timeseries',
        'GET /dashboard/apps',
        'GET /monitor/server',
        'GET /monitor/trace',
        'GET /monitor/traces/slowest',
        'GET /monitor/violation/by-app',
        'GET /monitor/violation/by-message',
        'GET /monitor/violation/histogram',
        'GET /monitor/violation/breakdown',
        'GET /monitor/dashboard-settings',
        'GET /events',
        'GET /extra/echo/{word}',
      ].sort(),
    );
    for (const methods of Object.values(doc.paths as Record<string, Record<string, { responses: object }>>)) {
      for (const operation of Object.values(methods))
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
    const create = doc.paths['/rules/app'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['app_name', 'max_duration', 'alert_channels']),
    );
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    const listParams = doc.paths['/rules/app'].get.parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(listParams).toEqual(
      expect.arrayContaining(['query:page', 'query:per_page', 'query:app_name', 'query:is_active']),
    );
    // every $ref resolves inside the document
    const refs = [...response.body.matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]);
    for (const ref of refs) {
      const target = ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it('/docs serves swagger-ui with its own CSP', async () => {
    const response = await api.app.inject({ url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('swagger');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('routes added through extraRoutes get the envelope errors', async () => {
    expect((await api.app.inject({ url: '/extra/echo/hey' })).json()).toEqual({ status: 'success', data: 'hey' });
    const invalid = await api.app.inject({ url: '/extra/echo/toolong' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.details).toEqual([{ field: 'word', message: expect.any(String) }]);
  });

  it('sends security headers and a request id', async () => {
    const response = await api.app.inject({ url: '/rules/app' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const echoed = await api.app.inject({ url: '/health', headers: { 'x-request-id': 'req-42' } });
    expect(echoed.headers['x-request-id']).toBe('req-42');
  });

  it('keeps CORS closed without CORS_ORIGINS', async () => {
    const response = await api.app.inject({ url: '/rules/app', headers: { origin: 'https://evil.example' } });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with CORS_ORIGINS', () => {
  it('allows the listed origins only', async () => {
    const api = await testApi(sqliteDriver(), { env: { CORS_ORIGINS: 'https://ops.example.com' } });
    try {
      const allowed = await api.app.inject({ url: '/rules/app', headers: { origin: 'https://ops.example.com' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://ops.example.com');
      const preflight = await api.app.inject({
        method: 'OPTIONS',
        url: '/rules/app',
        headers: {
          origin: 'https://ops.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-methods']).toContain('POST');
      const other = await api.app.inject({ url: '/rules/app', headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});
