import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedLogStore } from '../../src/logs/embedded/embedded-log-store.js';
import { saveSeriesState } from '../../src/scan/series-state.js';
import { EXPECTED, NOW, SLO_FIELDS, sloDocuments, sloLogs } from '../rules/kinds/slo/slo-data.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { type TestApi, testApi } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'slo api');

const slo = (overrides: Record<string, unknown> = {}) => ({ ...SLO_FIELDS, alert_channels: ['webhook'], ...overrides });

describe.each(drivers)('SLOs over HTTP, over $driver', (driver) => {
  let api: TestApi;
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    api.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    if (driver.skipReason) return;
    api = await testApi(driver, { now: () => NOW });
    const store = (await api.ctx.logSource()) as EmbeddedLogStore;
    expect(store.ingestDocuments(sloDocuments(sloLogs())).rejected).toBe(0);
  });
  afterAll(async () => {
    await api?.close();
  });

  it.skipIf(driver.skipReason)('creates with defaults, reads, updates, lists, deletes', async () => {
    const created = await send('POST', '/rules/slo', slo({ period_days: undefined, name: 'defaults' }));
    expect(created.statusCode).toBe(201);
    const rule = created.json().data;
    expect(rule).toMatchObject({
      kind: 'slo',
      name: 'defaults',
      threshold_ms: 500,
      objective: 99.5,
      period_days: 28,
      burn_alerts: [
        { long_minutes: 60, short_minutes: 5, factor: 14.4 },
        { long_minutes: 360, short_minutes: 30, factor: 6 },
      ],
      notify_resolved: true,
      cooldown_minutes: 0,
      is_active: true,
    });
    expect((await send('GET', `/rules/slo/${rule.id}`)).json().data).toEqual(rule);
    const changed = await send('PUT', `/rules/slo/${rule.id}`, {
      objective: 99.9,
      burn_alerts: [{ long_minutes: 120, short_minutes: 10, factor: 10 }],
    });
    expect(changed.json().data).toMatchObject({ objective: 99.9, burn_alerts: [{ long_minutes: 120, factor: 10 }] });
    expect((await send('GET', '/rules?kind=slo')).json().data.total).toBe(1);
    expect((await send('DELETE', `/rules/slo/${rule.id}`)).json().data).toEqual({ deleted: rule.id });
    expect((await send('GET', `/rules/slo/${rule.id}/status`)).statusCode).toBe(404);
  });

  it.skipIf(driver.skipReason)('refuses what the kind forbids, naming the field', async () => {
    const short = await send(
      'POST',
      '/rules/slo',
      slo({ burn_alerts: [{ long_minutes: 5, short_minutes: 5, factor: 14.4 }] }),
    );
    expect(short.statusCode).toBe(422);
    expect(short.json().error.details).toEqual([
      { field: 'burn_alerts.0.short_minutes', message: 'must be shorter than long_minutes' },
    ]);
    const longerThanPeriod = await send(
      'POST',
      '/rules/slo',
      slo({ period_days: 1, burn_alerts: [{ long_minutes: 1441, short_minutes: 5, factor: 2 }] }),
    );
    expect(longerThanPeriod.json().error.details[0]).toMatchObject({ field: 'burn_alerts.0.long_minutes' });
    for (const bad of [
      { objective: 100 },
      { objective: 49.9 },
      { period_days: 91 },
      { period_days: 0 },
      { burn_alerts: [{ long_minutes: 60, short_minutes: 5, factor: 0 }] },
      { burn_alerts: [] },
      { burn_alerts: Array.from({ length: 5 }, () => ({ long_minutes: 60, short_minutes: 5, factor: 2 })) },
      { threshold_ms: -1 },
    ]) {
      const answer = await send('POST', '/rules/slo', slo(bad));
      expect([400, 422], JSON.stringify(bad)).toContain(answer.statusCode);
    }
    expect((await send('GET', '/rules?kind=slo')).json().data.total).toBe(0);
  });

  it.skipIf(driver.skipReason)('status and history: the exact figures of the period ending now', async () => {
    const { id } = (await send('POST', '/rules/slo', slo())).json().data;
    const status = await send('GET', `/rules/slo/${id}/status`);
    expect(status.statusCode).toBe(200);
    expect(status.json().data).toMatchObject({
      id,
      name: 'checkout orders',
      good: EXPECTED.good,
      bad: EXPECTED.bad,
      sli_percent: EXPECTED.sli_percent,
      budget_remaining_percent: EXPECTED.budget_remaining_percent,
      burn_rates: EXPECTED.burn_rates,
      firing: false,
    });
    await saveSeriesState(api.ctx.state.db, `slo:${id}`, '', {
      state: 'firing',
      pendingSince: null,
      lastValue: 16,
      lastSamples: 1,
      lastEvaluatedAt: NOW,
      lastNotifiedAt: NOW,
      incidentId: null,
    });
    expect((await send('GET', `/rules/slo/${id}/status`)).json().data.firing).toBe(true);

    const history = (await send('GET', `/rules/slo/${id}/history`)).json().data;
    expect(history).toMatchObject({ step_ms: 720_000, objective: 99.5, burn_alerts: SLO_FIELDS_ALERTS });
    expect(history.points).toHaveLength(120);
    expect(Object.keys(history.points[0].burn_rates)).toEqual(['60m', '5m', '360m', '30m']);
    expect((await send('GET', `/rules/slo/${id}/history?points=501`)).statusCode).toBe(400);
    expect((await send('GET', `/rules/slo/${id}/history?points=24`)).json().data.points).toHaveLength(24);
    expect((await send('GET', '/rules/slo/999999/history')).statusCode).toBe(404);
  });
});

const SLO_FIELDS_ALERTS = [
  { long_minutes: 60, short_minutes: 5, factor: 14.4 },
  { long_minutes: 360, short_minutes: 30, factor: 6 },
];
