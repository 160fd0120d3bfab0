import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { violationSourceId } from '../../src/violations/violation-row.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { HOUR, T0 } from './dataset.js';
import { iso, type StatsHarness, statsHarness } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'stats/traces');

const NOW = T0 + 6 * HOUR;

describe.each(drivers)('a trace marks its violating logs over $driver', (driver) => {
  let h: StatsHarness;

  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver, { routes: { now: () => NOW } });
    h.store.ingestDocuments([
      { '@timestamp': iso(T0), app_name: 'gateway', message_key: 'http.in', duration: 900, correlation_id: 'req-v' },
      { '@timestamp': iso(T0 + 20), app_name: 'api', message_key: 'db.query', duration: 700, correlation_id: 'req-v' },
      { '@timestamp': iso(T0 + 40), app_name: 'api', message_key: 'cache', duration: 5, correlation_id: 'req-v' },
      // Same time, another id: its violation must not show on req-v.
      { '@timestamp': iso(T0 + 20), app_name: 'api', message_key: 'db.query', duration: 800, correlation_id: 'req-w' },
    ]);
    const byKey = new Map<string, { sourceId: string; time: number }>();
    for (const id of ['req-v', 'req-w']) {
      for (const log of await h.store.trace(id, 10)) byKey.set(`${id}/${log.messageKey}`, log);
    }
    const row = (id: string, key: string, rule: ['app' | 'message', number, number], n: number) => ({
      dedupe_key: `trace-test-${n}`,
      source_id: violationSourceId(h.store.key, byKey.get(`${id}/${key}`)!.sourceId),
      rule_type: rule[0],
      rule_id: rule[1],
      app_name: key === 'http.in' ? 'gateway' : 'api',
      message_key: key,
      duration_ms: 1,
      threshold_ms: rule[2],
      log_time: byKey.get(`${id}/${key}`)!.time,
      correlation_id: id,
      level: null,
      message: null,
      created_at: T0 + 60_000 + n,
    });
    await h.ctx.state.db
      .insertInto('violations')
      .values([
        row('req-v', 'http.in', ['app', 3, 500], 1),
        // The db.query log broke an app rule first, then (rules changed) a message rule: the later one shows.
        row('req-v', 'db.query', ['app', 3, 500], 2),
        row('req-v', 'db.query', ['message', 8, 600], 3),
        row('req-w', 'db.query', ['message', 9, 100], 4),
      ])
      .execute();
  });
  afterAll(async () => h?.close());

  it.skipIf(driver.skipReason)('each log carries the rule and threshold it broke, or null', async () => {
    const { status, body } = await h.get('/monitor/trace?correlation_id=req-v');
    expect(status).toBe(200);
    expect(
      body.data.logs.map((l: { message_key: string; violation: unknown }) => [l.message_key, l.violation]),
    ).toEqual([
      ['http.in', { rule_type: 'app', rule_id: 3, threshold_ms: 500 }],
      ['db.query', { rule_type: 'message', rule_id: 8, threshold_ms: 600 }],
      ['cache', null],
    ]);
    const other = await h.get('/monitor/trace?correlation_id=req-w');
    expect(other.body.data.logs[0].violation).toEqual({ rule_type: 'message', rule_id: 9, threshold_ms: 100 });
  });
});

/** Traces with known worst durations, computed here from the documents themselves. */
interface Doc {
  time: number;
  app: string;
  key: string;
  duration?: number;
  id?: string;
}

function traceDocs(): Doc[] {
  const docs: Doc[] = [];
  const apps = ['gateway', 'api', 'worker'];
  for (let t = 0; t < 30; t++) {
    const id = `t-${String(t).padStart(2, '0')}`;
    const start = T0 + HOUR + t * 60_000 + 123;
    for (let i = 0; i < 1 + (t % 4); i++) {
      docs.push({
        time: start + i * 15,
        app: apps[(t + i) % 3]!,
        key: `step.${i}`,
        duration: ((t * 37) % 29) * 10 + i,
        id,
      });
    }
  }
  // Equal worst durations: ordered by id.
  docs.push({ time: T0 + 2 * HOUR, app: 'api', key: 'tie', duration: 5000, id: 'tie-b' });
  docs.push({ time: T0 + 2 * HOUR, app: 'api', key: 'tie', duration: 5000, id: 'tie-a' });
  // No duration at all: never listed. No id: never listed.
  docs.push({ time: T0 + 2 * HOUR, app: 'api', key: 'plain', id: 'no-duration' });
  docs.push({ time: T0 + 2 * HOUR, app: 'api', key: 'plain', duration: 99_999 });
  // Outside the range asked for below.
  docs.push({ time: T0 + 5 * HOUR, app: 'api', key: 'late', duration: 88_888, id: 'late' });
  // A slow log before the range of an id that also has logs inside it: only the inside ones count.
  docs.push({ time: T0 + HOUR - 5, app: 'api', key: 'early', duration: 77_777, id: 't-03' });
  return docs;
}

function expectedSlowest(docs: Doc[], from: number, to: number, limit: number, app?: string) {
  const byId = new Map<string, Doc[]>();
  for (const d of docs) {
    if (d.id === undefined || d.time < from || d.time >= to || (app && d.app !== app)) continue;
    byId.set(d.id, [...(byId.get(d.id) ?? []), d]);
  }
  return [...byId]
    .filter(([, list]) => list.some((d) => d.duration !== undefined))
    .map(([id, list]) => {
      const slowest = list.reduce((a, b) => ((b.duration ?? -1) > (a.duration ?? -1) ? b : a));
      return {
        correlation_id: id,
        app_name: slowest.app,
        message_key: slowest.key,
        max_duration_ms: slowest.duration!,
        logs: list.length,
        time: iso(slowest.time),
      };
    })
    .sort((a, b) => b.max_duration_ms - a.max_duration_ms || (a.correlation_id < b.correlation_id ? -1 : 1))
    .slice(0, limit);
}

const toDocument = (d: Doc) => ({
  '@timestamp': iso(d.time),
  app_name: d.app,
  message_key: d.key,
  ...(d.duration === undefined ? {} : { duration: d.duration }),
  ...(d.id === undefined ? {} : { correlation_id: d.id }),
});

describe('the slowest traces of a range (embedded store)', () => {
  const sqlite = drivers.find((d) => d.driver === 'sqlite')!;
  const docs = traceDocs();
  const FROM = T0 + HOUR;
  const TO = T0 + 3 * HOUR;
  const range = `from=${iso(FROM)}&to=${iso(TO)}`;
  let h: StatsHarness;

  beforeAll(async () => {
    h = await statsHarness(sqlite, { routes: { now: () => NOW } });
    h.store.ingestDocuments(docs.map(toDocument));
  });
  afterAll(async () => h?.close());

  it('lists ids by their worst duration in the range, then by id, with the slowest log', async () => {
    const { status, body } = await h.get(`/monitor/traces/slowest?${range}&limit=12`);
    expect(status).toBe(200);
    expect(body.data).toEqual({
      from: iso(FROM),
      to: iso(TO),
      app_name: null,
      traces: expectedSlowest(docs, FROM, TO, 12),
    });
    const ids = body.data.traces.map((t: { correlation_id: string }) => t.correlation_id);
    expect(ids.slice(0, 2)).toEqual(['tie-a', 'tie-b']);
    expect(ids).not.toContain('no-duration');
    expect(ids).not.toContain('late');
  });

  it('reads the same ids at ragged edges and with small limits (reading stops early)', async () => {
    for (const [from, to] of [
      [T0 + HOUR + 2 * 60_000 + 7, T0 + HOUR + 20 * 60_000 + 12_345],
      [T0 + HOUR - 10, T0 + HOUR + 3 * 60_000 + 200],
      [T0 + HOUR + 123, T0 + 5 * HOUR + 1],
    ]) {
      for (const limit of [1, 3, 7]) {
        for (const app of [undefined, 'api']) {
          const query = `from=${iso(from)}&to=${iso(to)}&limit=${limit}${app ? `&app_name=${app}` : ''}`;
          const { body } = await h.get(`/monitor/traces/slowest?${query}`);
          expect(body.data.traces, query).toEqual(expectedSlowest(docs, from, to, limit, app));
        }
      }
    }
  });

  it("of one app: that app's logs decide and are counted", async () => {
    const { body } = await h.get(`/monitor/traces/slowest?${range}&app_name=worker&limit=100`);
    expect(body.data.app_name).toBe('worker');
    expect(body.data.traces).toEqual(expectedSlowest(docs, FROM, TO, 100, 'worker'));
    expect(body.data.traces.length).toBeGreaterThan(5);
    expect(body.data.traces.every((t: { app_name: string }) => t.app_name === 'worker')).toBe(true);
  });

  it('defaults to 20 ids over the last 24 hours', async () => {
    const { body } = await h.get('/monitor/traces/slowest');
    expect(body.data.from).toBe(iso(NOW - 24 * HOUR));
    expect(body.data.traces).toEqual(expectedSlowest(docs, NOW - 24 * HOUR, NOW, 20));
  });

  it('refuses bad parameters, naming them', async () => {
    for (const [query, status, field] of [
      ['limit=0', 400, 'limit'],
      ['limit=101', 400, 'limit'],
      ['limit=ten', 400, 'limit'],
      ['app_name=', 400, 'app_name'],
      ['from=yesterday', 422, 'from'],
      [`from=${iso(TO)}&to=${iso(FROM)}`, 422, 'to'],
    ] as const) {
      const { status: got, body } = await h.get(`/monitor/traces/slowest?${query}`);
      expect(got, query).toBe(status);
      expect(
        body.error.details.map((d: { field: string }) => d.field),
        query,
      ).toContain(field);
    }
    const unknown = await h.get('/monitor/traces/slowest?size=3');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.error)).toContain('size');
  });
});
