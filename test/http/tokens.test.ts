import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChanges } from '../../src/audit/audit-log.js';
import { sqliteDriver, type TestApi, testApi } from './support.js';

const ADMIN = 'admin-token-for-the-tokens-test';

describe('/tokens', () => {
  let api: TestApi;
  const auth = { authorization: `Bearer ${ADMIN}` };
  beforeAll(async () => {
    api = await testApi(sqliteDriver(), { env: { API_TOKEN: ADMIN } });
  });
  afterAll(async () => {
    await api.close();
  });

  const create = (payload: unknown, headers: Record<string, string> = auth) =>
    api.app.inject({ method: 'POST', url: '/tokens', headers, payload: payload as object });

  it('creates a token: the answer holds the secret, the list never does', async () => {
    const response = await create({ name: 'grafana', scope: 'read', expires: '30d' });
    expect(response.statusCode).toBe(201);
    const created = response.json().data;
    expect(created).toEqual({
      id: expect.any(Number),
      name: 'grafana',
      scope: 'read',
      token: expect.stringMatching(/^lw_/),
      created_at: expect.any(String),
      expires_at: expect.any(String),
    });
    // Counted from the request; created_at is stamped a moment later.
    expect(Math.abs(Date.parse(created.expires_at) - Date.parse(created.created_at) - 30 * 86_400_000)).toBeLessThan(
      60_000,
    );
    const list = await api.app.inject({ url: '/tokens', headers: auth });
    expect(list.json().data).toMatchObject({ total: 1, page: 1, per_page: 50 });
    expect(list.json().data.items[0]).toEqual({
      id: created.id,
      name: 'grafana',
      scope: 'read',
      created_at: created.created_at,
      expires_at: created.expires_at,
      last_used_at: null,
      revoked_at: null,
      status: 'active',
    });
    expect(list.body).not.toContain(created.token);
    expect(list.body).not.toContain('token_hash');
  });

  it('takes expires_at; refuses both, a bad duration, a past time, an unknown scope, a duplicate name', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const ok = await create({ name: 'ci', scope: 'ingest', expires_at: at });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().data.expires_at).toBe(at);
    const problems = async (payload: unknown) => {
      const response = await create(payload);
      return {
        status: response.statusCode,
        fields: response.json().error.details.map((d: { field: string }) => d.field),
      };
    };
    expect(await problems({ name: 'a', scope: 'read', expires: '1d', expires_at: at })).toEqual({
      status: 422,
      fields: ['expires'],
    });
    expect(await problems({ name: 'a', scope: 'read', expires: 'soon' })).toEqual({ status: 422, fields: ['expires'] });
    expect(await problems({ name: 'a', scope: 'read', expires_at: '2000-01-01T00:00:00Z' })).toEqual({
      status: 422,
      fields: ['expires_at'],
    });
    expect((await create({ name: 'a', scope: 'root' })).statusCode).toBe(422);
    expect((await create({ name: 'ci', scope: 'read' })).statusCode).toBe(409);
  });

  it('revokes with DELETE (the row stays, status revoked); an unknown id is 404', async () => {
    const made = (await create({ name: 'temp', scope: 'write' })).json().data;
    const response = await api.app.inject({ method: 'DELETE', url: `/tokens/${made.id}`, headers: auth });
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toMatchObject({ name: 'temp', status: 'revoked', revoked_at: expect.any(String) });
    expect((await api.app.inject({ method: 'DELETE', url: '/tokens/999999', headers: auth })).statusCode).toBe(404);
    const refused = await api.app.inject({ url: '/whoami', headers: { authorization: `Bearer ${made.token}` } });
    expect(refused.statusCode).toBe(401);
  });

  it('audits each create and revoke with the actor of the request', async () => {
    const admin = (await create({ name: 'second-admin', scope: 'admin' })).json().data;
    const byToken = await create({ name: 'made-by-token', scope: 'read' }, { authorization: `Bearer ${admin.token}` });
    const audit = await listChanges(api.ctx.state.db, { entity: 'token' }, { page: 1, per_page: 50 });
    expect(audit.items.find((e) => e.entity_id === String(byToken.json().data.id))?.actor).toBe('token:second-admin');
    expect(audit.items.find((e) => e.entity_id === String(admin.id))?.actor).toBe('api_token');
    expect(audit.items.map((e) => e.action)).toContain('delete');
    expect(JSON.stringify(audit.items)).not.toContain('lw_');
  });

  it('a read or write token may not see or make tokens (403 naming admin)', async () => {
    const writer = (await create({ name: 'oncall', scope: 'write' })).json().data;
    const response = await api.app.inject({ url: '/tokens', headers: { authorization: `Bearer ${writer.token}` } });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({
      code: 'forbidden',
      message: 'this needs the admin scope; the token oncall has write',
    });
  });
});
