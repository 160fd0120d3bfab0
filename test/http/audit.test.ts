import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { type TestApi, testApi, validAppRule, validTarget } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'http audit');

const latency = (overrides: Record<string, unknown> = {}) => ({
  name: 'orders p95',
  app_name: 'checkout',
  statistic: 'p95',
  threshold: 800,
  alert_channels: ['webhook'],
  ...overrides,
});
const SLACK_URL = 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/s3cretS3cretS3cret12';

describe.each(drivers)('audit log over HTTP, over $driver', (driver) => {
  let api: TestApi;
  // Stands in for the access check: the principal whose actor the audit log names.
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, actor?: string) =>
    api.app.inject({
      method,
      url,
      headers: actor === undefined ? {} : { 'x-test-actor': actor },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const audit = async (query = '') => {
    const response = await send('GET', `/audit${query}`);
    expect(response.statusCode).toBe(200);
    return response.json().data;
  };

  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver, {
      extraRoutes: async (app) => {
        app.addHook('onRequest', async (request) => {
          const actor = request.headers['x-test-actor'];
          if (typeof actor === 'string') request.principal = { actor, scope: 'admin', tokenId: null };
        });
      },
    });
  });
  afterAll(async () => api?.close());

  it.skipIf(driver.skipReason)('records each rule change once with its actor, before and after', async () => {
    const created = (await send('POST', '/rules/app', validAppRule(), 'token:deploy')).json().data;
    const updated = (await send('PUT', `/rules/app/${created.id}`, { max_duration: 900 }, 'token:oncall')).json().data;
    // An update that changes nothing (but updated_at) is no change.
    await send('PUT', `/rules/app/${created.id}`, { max_duration: 900 }, 'token:oncall');
    const current = (await send('GET', `/rules/app/${created.id}`)).json().data;
    expect((await send('DELETE', `/rules/app/${created.id}`, undefined, 'token:oncall')).statusCode).toBe(200);

    const latencyRule = (await send('POST', '/rules/latency', latency(), 'api_token')).json().data;
    const renamed = (await send('PUT', `/rules/latency/${latencyRule.id}`, { threshold: 900 })).json().data;
    await send('DELETE', `/rules/latency/${latencyRule.id}`);

    const { items, total } = await audit('?entity=rule');
    expect(total).toBe(6);
    expect(
      items.map((e: { action: string; entity_id: string; actor: string }) => [e.action, e.entity_id, e.actor]),
    ).toEqual([
      ['delete', `latency:${latencyRule.id}`, 'anonymous'],
      ['update', `latency:${latencyRule.id}`, 'anonymous'],
      ['create', `latency:${latencyRule.id}`, 'api_token'],
      ['delete', `app:${created.id}`, 'token:oncall'],
      ['update', `app:${created.id}`, 'token:oncall'],
      ['create', `app:${created.id}`, 'token:deploy'],
    ]);
    expect(items[5]).toEqual({
      id: expect.any(Number),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actor: 'token:deploy',
      action: 'create',
      entity: 'rule',
      entity_id: `app:${created.id}`,
      before: null,
      after: created,
      changed_secrets: [],
    });
    expect([items[4].before, items[4].after]).toEqual([created, updated]);
    expect([items[3].before, items[3].after]).toEqual([current, null]);
    expect([items[1].before, items[1].after]).toEqual([latencyRule, renamed]);
    expect(items[0].before).toEqual(renamed);
  });

  it.skipIf(driver.skipReason)('a target secret address is masked in before and after', async () => {
    const body = validTarget({ name: 'team slack', type: 'slack', external_id: SLACK_URL });
    const created = await send('POST', '/targets', body, 'token:ops');
    expect(created.json().data.external_id).toBe(SLACK_URL);
    const id = created.json().data.id;
    const shown = (await send('GET', `/targets/${id}`)).json().data;
    const renamed = (
      await send('PUT', `/targets/${id}`, { name: 'slack', external_id: `${SLACK_URL}9` }, 'token:ops')
    ).json().data;
    await send('DELETE', `/targets/${id}`, undefined, 'token:ops');
    const mail = (await send('POST', '/targets', validTarget(), 'token:ops')).json().data;

    const { items } = await audit('?entity=target');
    expect(items.map((e: { action: string }) => e.action)).toEqual(['create', 'delete', 'update', 'create']);
    expect(items[3].after).toEqual(shown);
    expect([items[2].before, items[2].after]).toEqual([shown, renamed]);
    expect(items[1].before).toEqual(renamed);
    expect(JSON.stringify(items)).not.toContain('s3cret');
    expect(shown.external_id).toBe('https://hooks.slack.com/***');
    // Addresses that are not secrets are kept as answers show them.
    expect(items[0].after).toEqual(mail);
  });

  it.skipIf(driver.skipReason)(
    'a new secret address alone is recorded as changed, neither value shown; the same again is no change',
    async () => {
      const ROTATED = 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/r0tat3dR0tat3dR0tat3d9';
      const created = (
        await send(
          'POST',
          '/targets',
          validTarget({ name: 'rotated', type: 'slack', external_id: SLACK_URL }),
          'token:rotate',
        )
      ).json().data;
      const logsBefore = api.logs.length;
      const put = await send('PUT', `/targets/${created.id}`, { external_id: ROTATED }, 'token:rotate');
      expect(put.statusCode).toBe(200);
      expect(put.json().data.external_id).toBe('https://hooks.slack.com/***');
      // Sending the same address again changes nothing: no row.
      expect((await send('PUT', `/targets/${created.id}`, { external_id: ROTATED }, 'token:rotate')).statusCode).toBe(
        200,
      );
      const { items, total } = await audit(`?entity=target&entity_id=${created.id}`);
      expect(total).toBe(2);
      expect(items[0]).toMatchObject({
        actor: 'token:rotate',
        action: 'update',
        changed_secrets: ['external_id'],
        before: { external_id: 'https://hooks.slack.com/***', name: 'rotated' },
        after: { external_id: 'https://hooks.slack.com/***', name: 'rotated' },
      });
      expect(items[1].changed_secrets).toEqual([]);
      const seen = [JSON.stringify(items), put.body, ...api.logs.slice(logsBefore)].join('\n');
      expect(seen).not.toContain('s3cret');
      expect(seen).not.toContain('r0tat3d');

      // An address that is no secret (email) shows as it is and is not in changed_secrets.
      const mail = (await send('POST', '/targets', validTarget({ name: 'mail rotated' }), 'token:rotate')).json().data;
      await send('PUT', `/targets/${mail.id}`, { external_id: 'other@example.com' }, 'token:rotate');
      const [mailChange] = (await audit(`?entity=target&entity_id=${mail.id}`)).items;
      expect(mailChange).toMatchObject({
        action: 'update',
        changed_secrets: [],
        before: { external_id: mail.external_id },
        after: { external_id: 'other@example.com' },
      });
    },
  );

  it.skipIf(driver.skipReason)('silences: create and expire recorded; expiring an ended one is no change', async () => {
    const created = (
      await send('POST', '/silences', { app_name: 'checkout', duration_minutes: 60 }, 'token:oncall')
    ).json().data;
    const expired = await send('DELETE', `/silences/${created.id}`, undefined, 'token:oncall');
    expect(expired.statusCode).toBe(200);
    expect((await send('DELETE', `/silences/${created.id}`, undefined, 'token:oncall')).statusCode).toBe(200);

    const { items, total } = await audit(`?entity=silence&entity_id=${created.id}`);
    expect(total).toBe(2);
    expect(items.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['delete', 'token:oncall'],
      ['create', 'token:oncall'],
    ]);
    expect([items[1].before, items[1].after]).toEqual([null, created]);
    expect([items[0].before, items[0].after]).toEqual([{ ...created, active: true }, null]);
  });

  it.skipIf(driver.skipReason)('a refused change (409, 422, 404) writes nothing', async () => {
    const before = (await audit()).total;
    await send('POST', '/rules/app', validAppRule({ app_name: 'dupe' }));
    const count = (await audit()).total;
    expect(count).toBe(before + 1);
    expect((await send('POST', '/rules/app', validAppRule({ app_name: 'dupe' }))).statusCode).toBe(409);
    const rule = (await send('GET', '/rules/app?app_name=dupe')).json().data.items[0];
    expect((await send('PUT', `/rules/app/${rule.id}`, { min_count: 5 })).statusCode).toBe(422);
    await send('POST', '/rules/latency', latency({ name: 'taken' }));
    expect((await send('POST', '/rules/latency', latency({ name: 'taken' }))).statusCode).toBe(409);
    expect((await send('POST', '/targets', validTarget({ type: 'slack', external_id: 'nope' }))).statusCode).toBe(422);
    expect((await send('DELETE', '/targets/999999')).statusCode).toBe(404);
    expect((await send('DELETE', '/silences/999999')).statusCode).toBe(404);
    expect((await audit()).total).toBe(count + 1);
  });

  it.skipIf(driver.skipReason)('pages newest first and filters by entity, actor and entity_id', async () => {
    const all = await audit('?per_page=500');
    const page2 = await audit('?page=2&per_page=3');
    expect(page2).toMatchObject({ total: all.total, page: 2, per_page: 3 });
    expect(page2.items).toEqual(all.items.slice(3, 6));
    const ids = all.items.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const byOps = await audit('?actor=token:ops');
    expect(byOps.total).toBe(4);
    expect(byOps.items.every((e: { actor: string }) => e.actor === 'token:ops')).toBe(true);
    const opsTargets = await audit(`?entity=target&actor=${encodeURIComponent('token:ops')}&per_page=1`);
    expect(opsTargets).toMatchObject({ total: 4, per_page: 1 });
    expect((await audit('?entity=token')).total).toBe(0);

    for (const query of ['?entity=user', '?per_page=501', '?page=0', '?actor=', '?other=1']) {
      const refused = await send('GET', `/audit${query}`);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().status).toBe('error');
    }
  });
});
