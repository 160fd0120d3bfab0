import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedLogStore } from '../../src/logs/embedded/embedded-log-store.js';
import { openIncident } from '../../src/scan/incidents.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { logDocument } from '../support/log-documents.js';
import { type TestApi, testApi, validAppRule, validMessageRule } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'window rules api');

const NOW = Date.UTC(2026, 11, 6, 10, 0, 0);
const latency = (overrides: Record<string, unknown> = {}) => ({
  name: 'orders p95',
  app_name: 'checkout',
  message_key: 'POST /orders',
  statistic: 'p95',
  threshold: 800,
  alert_channels: ['webhook'],
  ...overrides,
});

describe.each(drivers)('window rules over HTTP, over $driver', (driver) => {
  let api: TestApi;
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    api.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    if (!driver.skipReason) api = await testApi(driver, { now: () => NOW });
  });
  afterAll(async () => {
    await api?.close();
  });

  it.skipIf(driver.skipReason)('latency: creates with defaults, reads, updates, lists, deletes', async () => {
    const created = await send('POST', '/rules/latency', latency());
    expect(created.statusCode).toBe(201);
    const rule = created.json().data;
    expect(rule).toMatchObject({
      kind: 'latency',
      name: 'orders p95',
      app_name: 'checkout',
      message_key: 'POST /orders',
      is_active: true,
      alert_channels: ['webhook'],
      cooldown_minutes: 0,
      notify_resolved: true,
      per_key: false,
      statistic: 'p95',
      slow_ms: null,
      window_minutes: 5,
      threshold: 800,
      baseline: null,
      resolve_threshold: null,
      min_samples: 20,
      pending_minutes: 0,
    });
    expect((await send('GET', `/rules/latency/${rule.id}`)).json().data).toEqual(rule);

    // From a threshold to a baseline: the threshold is cleared with null.
    const changed = await send('PUT', `/rules/latency/${rule.id}`, {
      threshold: null,
      baseline: { compare_to: '7d', ratio: 1.5 },
      pending_minutes: 2,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().data).toMatchObject({
      threshold: null,
      baseline: { compare_to: '7d', ratio: 1.5, min_increase_ms: 0 },
      pending_minutes: 2,
      name: 'orders p95',
    });
    const listed = await send('GET', '/rules/latency?app_name=checkout');
    expect(listed.json().data).toMatchObject({ total: 1, page: 1, per_page: 50 });
    expect((await send('DELETE', `/rules/latency/${rule.id}`)).json().data).toEqual({ deleted: rule.id });
    expect((await send('GET', `/rules/latency/${rule.id}`)).statusCode).toBe(404);
    expect((await send('DELETE', `/rules/latency/${rule.id}`)).statusCode).toBe(404);
  });

  it.skipIf(driver.skipReason)('refuses what the rules forbid, naming the field, and changes nothing', async () => {
    const both = await send('POST', '/rules/latency', latency({ baseline: { compare_to: '1d', ratio: 2 } }));
    expect(both.statusCode).toBe(422);
    expect(both.json().error.details).toEqual([
      { field: 'threshold', message: 'give exactly one of threshold and baseline' },
    ]);
    const neither = await send('POST', '/rules/latency', latency({ threshold: undefined }));
    expect(neither.statusCode).toBe(422);
    const resolve = await send('POST', '/rules/latency', latency({ resolve_threshold: 900 }));
    expect(resolve.statusCode).toBe(422);
    expect(resolve.json().error.details[0]).toMatchObject({ field: 'resolve_threshold' });
    const badRatio = await send(
      'POST',
      '/rules/latency',
      latency({ threshold: undefined, baseline: { compare_to: '1d', ratio: 1 } }),
    );
    expect(badRatio.statusCode).toBe(422);
    const slow = await send('POST', '/rules/latency', latency({ statistic: 'slow_ratio', threshold: 5 }));
    expect(slow.json().error.details).toEqual([{ field: 'slow_ms', message: 'is required with statistic slow_ratio' }]);
    const window = await send('POST', '/rules/latency', latency({ window_minutes: 1441 }));
    expect(window.statusCode).toBe(422);
    const silent = await send('POST', '/rules/absence', {
      name: 'x',
      app_name: 'a',
      silent_minutes: 0,
      alert_channels: ['email'],
    });
    expect(silent.statusCode).toBe(422);
    expect((await send('GET', '/rules')).json().data.total).toBe(0);
  });

  it.skipIf(driver.skipReason)('names are unique across all window kinds (409)', async () => {
    const first = await send('POST', '/rules/latency', latency({ name: 'payments watch' }));
    expect(first.statusCode).toBe(201);
    const second = await send('POST', '/rules/absence', {
      name: 'payments watch',
      app_name: 'payments',
      silent_minutes: 10,
      alert_channels: ['email'],
    });
    expect(second.statusCode).toBe(409);
    const other = await send('POST', '/rules/absence', {
      name: 'payments silent',
      app_name: 'payments',
      silent_minutes: 10,
      alert_channels: ['email'],
    });
    expect(other.statusCode).toBe(201);
    const renamed = await send('PUT', `/rules/absence/${other.json().data.id}`, { name: 'payments watch' });
    expect(renamed.statusCode).toBe(409);
    await send('DELETE', `/rules/latency/${first.json().data.id}`);
    await send('DELETE', `/rules/absence/${other.json().data.id}`);
  });

  it.skipIf(driver.skipReason)('GET /rules lists every kind with kind and id, paged and filtered', async () => {
    const app = (await send('POST', '/rules/app', validAppRule({ app_name: 'checkout' }))).json().data;
    const message = (await send('POST', '/rules/message', validMessageRule({ app_name: 'checkout' }))).json().data;
    const window = (await send('POST', '/rules/latency', latency({ name: 'list me' }))).json().data;
    const absence = (
      await send('POST', '/rules/absence', {
        name: 'billing silent',
        app_name: 'billing',
        silent_minutes: 30,
        is_active: false,
        alert_channels: ['email'],
      })
    ).json().data;
    const all = (await send('GET', '/rules')).json().data;
    expect(all.total).toBe(4);
    expect(all.items.map((r: { kind: string; id: number }) => [r.kind, r.id])).toEqual([
      ['app', app.id],
      ['message', message.id],
      ['latency', window.id],
      ['absence', absence.id],
    ]);
    expect(all.items[1]).toEqual({ kind: 'message', ...message });
    expect(all.items[2]).toEqual(window);
    expect((await send('GET', '/rules?kind=latency')).json().data.items).toEqual([window]);
    expect((await send('GET', '/rules?app_name=checkout')).json().data.total).toBe(3);
    expect((await send('GET', '/rules?is_active=false')).json().data.items).toEqual([absence]);
    const page = (await send('GET', '/rules?per_page=1&page=2')).json().data;
    expect(page).toMatchObject({ total: 4, page: 2, per_page: 1 });
    expect(page.items[0].kind).toBe('message');
    expect((await send('GET', '/rules?kind=nope')).statusCode).toBe(400);
    // app and message rules keep their shapes: no kind field on their own routes.
    expect((await send('GET', `/rules/app/${app.id}`)).json().data).not.toHaveProperty('kind');
  });

  it.skipIf(driver.skipReason)('preview: what an unsaved rule would see now, from the log store', async () => {
    const store = (await api.ctx.logSource()) as EmbeddedLogStore;
    const docs = [];
    for (let i = 0; i < 30; i++) {
      docs.push(logDocument({ time: NOW - 60_000 - i * 1000, app: 'preview-app', key: 'GET /a', duration: 700 }));
    }
    for (let i = 0; i < 5; i++)
      docs.push(logDocument({ time: NOW - 30_000, app: 'preview-app', key: 'GET /b', duration: 5000 }));
    expect(store.ingestDocuments(docs).rejected).toBe(0);

    const one = await send('POST', '/rules/latency/preview', {
      app_name: 'preview-app',
      message_key: 'GET /a',
      statistic: 'p95',
      threshold: 800,
      alert_channels: ['webhook'],
    });
    expect(one.statusCode).toBe(200);
    // Percentiles are exact within 1% (the shared definition).
    expect(Math.abs(one.json().data.series[0].value - 700)).toBeLessThanOrEqual(7);
    expect(one.json().data).toEqual({
      window_from: new Date(NOW - 5 * 60_000).toISOString(),
      window_to: new Date(NOW).toISOString(),
      statistic: 'p95',
      unit: 'ms',
      series: [
        {
          message_key: 'GET /a',
          value: expect.any(Number),
          samples: 30,
          threshold: 800,
          baseline_value: null,
          judged: true,
          condition_holds: false,
        },
      ],
      would_fire: false,
    });
    const perKey = await send('POST', '/rules/latency/preview', {
      app_name: 'preview-app',
      per_key: true,
      statistic: 'max',
      threshold: 800,
      min_samples: 5,
      alert_channels: ['webhook'],
    });
    expect(
      perKey
        .json()
        .data.series.map((s: { message_key: string; condition_holds: boolean }) => [s.message_key, s.condition_holds]),
    ).toEqual([
      ['GET /a', false],
      ['GET /b', true],
    ]);
    expect(perKey.json().data.would_fire).toBe(true);
    const absence = await send('POST', '/rules/absence/preview', {
      app_name: 'quiet-app',
      silent_minutes: 10,
      alert_channels: ['email'],
    });
    expect(absence.json().data).toMatchObject({
      unit: 'logs',
      would_fire: true,
      series: [{ value: 0, condition_holds: true }],
    });
    const invalid = await send('POST', '/rules/latency/preview', {
      app_name: 'x',
      statistic: 'p95',
      alert_channels: ['email'],
    });
    expect(invalid.statusCode).toBe(422);
  });

  it.skipIf(driver.skipReason)('incidents: list with filters, newest first; one with its rule and series', async () => {
    const rule = (
      await send(
        'POST',
        '/rules/latency',
        latency({ name: 'incident rule', app_name: 'preview-app', message_key: 'GET /a' }),
      )
    ).json().data;
    const db = api.ctx.state.db;
    const base = {
      rule_type: 'latency',
      rule_id: rule.id,
      name: rule.name,
      app_name: 'preview-app',
      message_key: 'GET /a',
      threshold: 800,
      baseline_value: null,
      unit: 'ms',
      samples: 30,
    };
    const older = await openIncident(db, { ...base, started_at: NOW - 3_600_000, value: 900 }, NOW);
    const newer = await openIncident(db, { ...base, started_at: NOW - 10 * 60_000, value: 1000 }, NOW);
    const listed = (await send('GET', '/incidents')).json().data;
    expect(listed.items.map((i: { id: number }) => i.id)).toEqual([newer, older]);
    expect(listed.items[0]).toMatchObject({ state: 'firing', value: 1000, peak_value: 1000, resolved_at: null });
    expect((await send('GET', `/incidents?rule_type=latency&rule_id=${rule.id}&state=firing`)).json().data.total).toBe(
      2,
    );
    expect((await send('GET', '/incidents?state=resolved')).json().data.total).toBe(0);
    expect((await send('GET', '/incidents?app_name=other')).json().data.total).toBe(0);

    const detail = await send('GET', `/incidents/${newer}`);
    expect(detail.statusCode).toBe(200);
    const data = detail.json().data;
    expect(data.rule).toEqual(rule);
    // 70 minutes in 5-minute buckets; the bucket ending 1 min before now... holds the 30 logs of GET /a.
    expect(data.series).toHaveLength(14);
    expect(data.series.at(-1)).toMatchObject({ t: new Date(NOW).toISOString(), samples: 30 });
    expect(Math.abs(data.series.at(-1).value - 700)).toBeLessThanOrEqual(7);
    expect(data.series[0]).toEqual({ t: new Date(NOW - 65 * 60_000).toISOString(), value: null, samples: 0 });
    expect((await send('GET', '/incidents/999999')).statusCode).toBe(404);
  });
});
