import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_KINDS } from '../../src/rules/kinds/registry.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { type TestApi, testApi, validAppRule, validMessageRule, validTarget } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'managed rules api');

const FILE = 'rules/prod.yaml';
const MANAGED = { managedBy: FILE };

/** A valid create body of every kind (window kinds by distinct names). */
const BODIES: Record<string, (name: string) => Record<string, unknown>> = {
  app: (name) => validAppRule({ app_name: name }),
  message: (name) => validMessageRule({ app_name: name }),
  latency: (name) => ({ name, app_name: 'checkout', statistic: 'p95', threshold: 800, alert_channels: ['webhook'] }),
  absence: (name) => ({ name, app_name: 'checkout', silent_minutes: 10, alert_channels: ['email'] }),
  slo: (name) => ({
    name,
    app_name: 'checkout',
    threshold_ms: 500,
    objective: 99.5,
    period_days: 1,
    alert_channels: ['webhook'],
  }),
};

/** The label the message says ("this latency rule is managed by …"). */
const LABELS: Record<string, string> = {
  app: 'app rule',
  message: 'message rule',
  latency: 'latency rule',
  absence: 'absence rule',
  slo: 'SLO',
};

describe.each(drivers)('managed rules and targets over HTTP, over $driver', (driver) => {
  let api: TestApi;
  const send = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    api.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  const auditRows = async () => (await send('GET', '/audit?per_page=500')).json().data.total as number;

  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver);
  });
  afterAll(async () => api?.close());

  it.skipIf(driver.skipReason)('every kind in the registry has a body here', () => {
    expect(Object.keys(BODIES).sort()).toEqual(RULE_KINDS.map((k) => k.name).sort());
  });

  it.skipIf(driver.skipReason)(
    'PUT and DELETE of a managed rule of every kind answer 409 naming the file and change nothing',
    async () => {
      for (const kind of RULE_KINDS) {
        const store = kind.store(api.ctx.ruleStores);
        const managed = await store.create(BODIES[kind.name]!(`${kind.name}-managed`), `file:${FILE}`, MANAGED);
        const free = await store.create(BODIES[kind.name]!(`${kind.name}-free`), 'test');
        const url = `/rules/${kind.name}/${managed.id}`;
        const before = (await send('GET', url)).json().data;
        expect(before).toMatchObject({ managed_by: 'file', managed_file: FILE });
        const audited = await auditRows();

        const put = await send('PUT', url, { is_active: false });
        expect(put.statusCode, `${kind.name} PUT`).toBe(409);
        expect(put.json()).toEqual({
          status: 'error',
          error: {
            code: 'managed_by_file',
            message: `this ${LABELS[kind.name]} is managed by ${FILE}; change it there (or remove it from the file and apply)`,
            details: [],
          },
        });
        const del = await send('DELETE', url);
        expect(del.statusCode, `${kind.name} DELETE`).toBe(409);
        expect(del.json().error.code).toBe('managed_by_file');
        expect(del.json().error.message).toContain(FILE);

        expect((await send('GET', url)).json().data).toEqual(before);
        expect(await auditRows()).toBe(audited);

        // Unmanaged rules of the same kind stay editable.
        const freeUrl = `/rules/${kind.name}/${free.id}`;
        const changed = await send('PUT', freeUrl, { is_active: false });
        expect(changed.statusCode, `${kind.name} free PUT`).toBe(200);
        expect(changed.json().data).toMatchObject({ is_active: false, managed_by: null, managed_file: null });
        expect((await send('DELETE', freeUrl)).statusCode).toBe(200);
        expect(await auditRows()).toBe(audited + 2);
      }
    },
  );

  it.skipIf(driver.skipReason)('PUT and DELETE of a managed target answer 409 and change nothing', async () => {
    const managed = await api.ctx.targets.create(validTarget({ name: 'ops (file)' }), `file:${FILE}`, MANAGED);
    const free = await api.ctx.targets.create(validTarget({ name: 'ops (api)' }), 'test');
    const before = (await send('GET', `/targets/${managed.id}`)).json().data;
    expect(before).toMatchObject({ managed_by: 'file', managed_file: FILE });
    const audited = await auditRows();

    const put = await send('PUT', `/targets/${managed.id}`, { external_id: 'other@example.com' });
    expect(put.statusCode).toBe(409);
    expect(put.json().error).toEqual({
      code: 'managed_by_file',
      message: `this target is managed by ${FILE}; change it there (or remove it from the file and apply)`,
      details: [],
    });
    expect((await send('DELETE', `/targets/${managed.id}`)).statusCode).toBe(409);
    expect((await send('GET', `/targets/${managed.id}`)).json().data).toEqual(before);
    expect(await auditRows()).toBe(audited);

    expect((await send('PUT', `/targets/${free.id}`, { is_active: false })).statusCode).toBe(200);
    expect((await send('DELETE', `/targets/${free.id}`)).statusCode).toBe(200);
  });

  it.skipIf(driver.skipReason)('the rules file itself may change and delete what it manages', async () => {
    const store = api.ctx.ruleStores.appRules;
    const rule = await store.create(validAppRule({ app_name: 'by-file' }), `file:${FILE}`, MANAGED);
    const changed = await store.update(rule.id, { max_duration: 900 }, `file:${FILE}`, MANAGED);
    expect(changed).toMatchObject({ max_duration: 900, managed_file: FILE });
    const released = await store.update(rule.id, {}, `file:${FILE}`, { managedBy: null });
    expect(released).toMatchObject({ managed_by: null, managed_file: null });
    expect((await send('PUT', `/rules/app/${rule.id}`, { max_duration: 1000 })).statusCode).toBe(200);
    const again = await store.update(rule.id, {}, `file:${FILE}`, MANAGED);
    await store.delete(again.id, `file:${FILE}`, MANAGED);
    expect((await send('GET', `/rules/app/${rule.id}`)).statusCode).toBe(404);
  });

  it.skipIf(driver.skipReason)('the OpenAPI document gives PUT and DELETE their 409', async () => {
    const doc = (await send('GET', '/docs/json')).json();
    for (const path of ['/rules/latency/{id}', '/rules/app/{id}', '/targets/{id}']) {
      expect(doc.paths[path].put.responses['409'].description).toContain('managed_by_file');
      expect(doc.paths[path].delete.responses['409'].description).toContain('managed_by_file');
    }
  });
});
