import { createHash } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerMatches } from '../../src/http/auth.js';
import { sqliteDriver, type TestApi, testApi } from './support.js';

const TOKEN = 'test-token-0123456789abcdef';

/**
 * `/events` streams until the server closes; with its streams closed from the start it answers
 * 503 right after authentication, so "served" can be told from "refused" without waiting.
 */
const closedEventStreams = { events: { signal: AbortSignal.abort() } };

/** Every documented operation, plus the documentation itself, with ids filled in. */
async function everyEndpoint(api: TestApi, headers: Record<string, string>) {
  const doc = (await api.app.inject({ url: '/docs/json', headers })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const endpoints: { method: NonNullable<InjectOptions['method']>; url: string }[] = [
    { method: 'GET', url: '/docs' },
    { method: 'GET', url: '/docs/json' },
  ];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const method of Object.keys(operations)) {
      endpoints.push({
        method: method.toUpperCase() as NonNullable<InjectOptions['method']>,
        url: path.replace('{id}', '1'),
      });
    }
  }
  return endpoints;
}

describe('with API_TOKEN set', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi(sqliteDriver(), { env: { API_TOKEN: TOKEN }, ...closedEventStreams });
  });
  afterAll(async () => {
    await api.close();
  });

  it('refuses every endpoint but /health without the right bearer token', async () => {
    const endpoints = await everyEndpoint(api, { authorization: `Bearer ${TOKEN}` });
    expect(endpoints.length).toBeGreaterThan(15);
    const wrong = [
      {},
      { authorization: 'Bearer wrong-token' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
      { authorization: 'Bearer ' },
    ];
    for (const endpoint of endpoints) {
      // Shippers' routes take the token as a Basic password too (tested in elasticsearch.test.ts).
      const shipper = endpoint.url.startsWith('/elasticsearch');
      for (const headers of shipper ? wrong.filter((h) => !h.authorization?.startsWith('Basic')) : wrong) {
        const response = await api.app.inject({
          ...endpoint,
          headers,
          payload: endpoint.method === 'GET' ? undefined : {},
        });
        const expected = endpoint.url === '/health' ? 200 : 401;
        expect({ ...endpoint, headers, status: response.statusCode }).toEqual({
          ...endpoint,
          headers,
          status: expected,
        });
        if (expected === 401) {
          expect(response.json()).toMatchObject(
            shipper
              ? { status: 401, error: { type: 'security_exception' } }
              : { status: 'error', error: { code: 'unauthorized' } },
          );
          expect(response.headers['www-authenticate']).toBe('Bearer realm="lagwatch"');
        }
      }
    }
  });

  it('serves every endpoint with the right token (any case of "bearer")', async () => {
    const endpoints = await everyEndpoint(api, { authorization: `Bearer ${TOKEN}` });
    for (const endpoint of endpoints) {
      for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
        const response = await api.app.inject({ ...endpoint, headers: { authorization } });
        expect({ ...endpoint, status: response.statusCode }).not.toEqual({ ...endpoint, status: 401 });
      }
    }
    const created = await api.app.inject({
      method: 'POST',
      url: '/rules/app',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { app_name: 'authed', max_duration: 5, alert_channels: ['email'] },
    });
    expect(created.statusCode).toBe(201);
  });

  it('never writes the token to the logs', async () => {
    await api.app.inject({ url: '/rules/app', headers: { authorization: `Bearer ${TOKEN}` } });
    await api.app.inject({ url: '/rules/app', headers: { authorization: `Bearer ${TOKEN}-wrong` } });
    expect(api.logs.length).toBeGreaterThan(0);
    expect(api.logs.join('')).not.toContain(TOKEN);
  });

  it('documents bearer security in the OpenAPI document', async () => {
    const doc = (await api.app.inject({ url: '/docs/json', headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });
});

describe('without API_TOKEN', () => {
  it('serves every endpoint without credentials', async () => {
    const api = await testApi(sqliteDriver(), closedEventStreams);
    try {
      for (const endpoint of await everyEndpoint(api, {})) {
        const response = await api.app.inject(endpoint);
        expect({ ...endpoint, status: response.statusCode }).not.toEqual({ ...endpoint, status: 401 });
      }
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
