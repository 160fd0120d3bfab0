import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { closedPort } from '../support/ports.js';
import { HOUR, T0, type TestViolation } from './dataset.js';
import { insertViolations, iso, type StatsHarness, statsHarness } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'stats/monitor');

const NOW = T0 + 6 * HOUR;

/** Violations of two apps and two keys, each a known number of minutes before NOW. */
function violationFixture(): TestViolation[] {
  const out: TestViolation[] = [];
  for (let i = 0; i < 23; i++) {
    out.push({
      ruleType: i % 3 === 0 ? 'message' : 'app',
      ruleId: i % 3 === 0 ? 7 : 3,
      app: 'checkout',
      messageKey: i % 3 === 0 ? 'payment.capture' : 'cart.view',
      durationMs: 1000 + i * 10,
      thresholdMs: i % 3 === 0 ? 900 : 500,
      logTime: NOW - (i + 1) * 60_000,
      correlationId: `c-${i}`,
    });
  }
  for (let i = 0; i < 4; i++) {
    out.push({
      ruleType: 'message',
      ruleId: 9,
      app: 'billing',
      messageKey: 'payment.capture',
      durationMs: 5000 + i,
      thresholdMs: 4000,
      logTime: NOW - (i + 1) * 90_000,
      correlationId: null,
    });
  }
  // Outside the default 24 hours.
  out.push({ ...out[0], logTime: NOW - 30 * HOUR, correlationId: 'old' });
  return out;
}

describe.each(drivers)('monitor endpoints over $driver', (driver) => {
  let h: StatsHarness;
  const fixture = violationFixture();

  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver, { routes: { now: () => NOW } });
    await insertViolations(h.ctx, fixture);
    // One trace, ingested out of order, with two logs at the same millisecond and one without duration.
    h.store.ingestDocuments([
      { '@timestamp': iso(T0 + 250), app_name: 'api', message_key: 'db.query', duration: 40, correlation_id: 'req-1' },
      { '@timestamp': iso(T0), app_name: 'gateway', message_key: 'http.in', duration: 500, correlation_id: 'req-1' },
      { '@timestamp': iso(T0 + 30), app_name: 'api', message_key: 'auth', duration: 12.5, correlation_id: 'req-1' },
      { '@timestamp': iso(T0 + 250), app_name: 'api', message_key: 'cache', correlation_id: 'req-1', level: 'WARN' },
      { '@timestamp': iso(T0 + 10), app_name: 'other', duration: 1, correlation_id: 'req-2' },
    ]);
  });
  afterAll(async () => h?.close());

  it.skipIf(driver.skipReason)('trace: oldest first, with offsets, gaps and ends for a waterfall', async () => {
    const { status, body } = await h.get('/monitor/trace?correlation_id=req-1');
    expect(status).toBe(200);
    const trace = body.data;
    expect(trace).toMatchObject({
      correlation_id: 'req-1',
      count: 4,
      truncated: false,
      first_time: iso(T0),
      last_time: iso(T0 + 250),
      span_ms: 500, // the gateway's own 500 ms outlasts every later log
      total_duration_ms: 552.5,
    });
    const rows = trace.logs.map((l: Record<string, unknown>) => [
      l.message_key,
      l.offset_ms,
      l.gap_ms,
      l.duration_ms,
      l.end_offset_ms,
    ]);
    expect(rows).toEqual([
      ['http.in', 0, 0, 500, 500],
      ['auth', 30, 30, 12.5, 42.5],
      ['db.query', 250, 220, 40, 290],
      ['cache', 250, 0, null, 250],
    ]);
    expect(trace.logs[3].level).toBe('warn');
  });

  it.skipIf(driver.skipReason)('trace: a limit cuts the trace and says so; an unknown id is a 404', async () => {
    const cut = await h.get('/monitor/trace?correlation_id=req-1&limit=2');
    expect(cut.body.data.count).toBe(2);
    expect(cut.body.data.truncated).toBe(true);
    expect(cut.body.data.logs.map((l: { message_key: string }) => l.message_key)).toEqual(['http.in', 'auth']);

    const missing = await h.get('/monitor/trace?correlation_id=nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');

    const noId = await h.get('/monitor/trace');
    expect(noId.status).toBe(400);
    expect(noId.body.error.details).toEqual([{ field: 'correlation_id', message: 'is required' }]);
    const tooMany = await h.get('/monitor/trace?correlation_id=req-1&limit=100000');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].field).toBe('limit');
  });

  it.skipIf(driver.skipReason)(
    'violations by app: newest first, paged, with totals and the deciding rules',
    async () => {
      const checkout = fixture.filter((v) => v.app === 'checkout' && v.correlationId !== 'old');
      const newestFirst = [...checkout].sort((a, b) => b.logTime - a.logTime);
      const seen: string[] = [];
      for (const page of [1, 2, 3]) {
        const { status, body } = await h.get(`/monitor/violation/by-app?app_name=checkout&per_page=10&page=${page}`);
        expect(status).toBe(200);
        const data = body.data;
        expect(data.total).toBe(checkout.length);
        expect(data.page).toBe(page);
        expect(data.per_page).toBe(10);
        seen.push(...data.items.map((i: { correlation_id: string }) => i.correlation_id));
        if (page === 1) {
          expect(data.items[0]).toMatchObject({
            app_name: 'checkout',
            message_key: 'payment.capture',
            duration_ms: 1000,
            rule_type: 'message',
            rule_id: 7,
            threshold_ms: 900,
            log_time: iso(NOW - 60_000),
            correlation_id: 'c-0',
          });
          const durations = checkout.map((v) => v.durationMs);
          expect(data.totals).toEqual({
            count: checkout.length,
            worst_ms: Math.max(...durations),
            avg_ms: Math.round((durations.reduce((s, d) => s + d, 0) / durations.length) * 100) / 100,
            first_time: iso(Math.min(...checkout.map((v) => v.logTime))),
            last_time: iso(Math.max(...checkout.map((v) => v.logTime))),
            rules: [
              { rule_type: 'app', rule_id: 3, threshold_ms: 500, count: checkout.filter((v) => v.ruleId === 3).length },
              {
                rule_type: 'message',
                rule_id: 7,
                threshold_ms: 900,
                count: checkout.filter((v) => v.ruleId === 7).length,
              },
            ],
          });
        }
      }
      expect(seen).toEqual(newestFirst.map((v) => v.correlationId));
    },
  );

  it.skipIf(driver.skipReason)(
    'violations by app: an explicit range reaches older ones; a bad range is a 422',
    async () => {
      const wide = await h.get(
        `/monitor/violation/by-app?app_name=checkout&from=${iso(NOW - 31 * 24 * HOUR)}&to=${iso(NOW)}&per_page=500`,
      );
      expect(wide.body.data.total).toBe(fixture.filter((v) => v.app === 'checkout').length);
      expect(wide.body.data.items.at(-1).correlation_id).toBe('old');

      const bad = await h.get(`/monitor/violation/by-app?app_name=checkout&from=${iso(NOW)}&to=${iso(NOW - HOUR)}`);
      expect(bad.status).toBe(422);
      expect(bad.body.error.details[0].field).toBe('to');
      const everyApp = await h.get('/monitor/violation/by-app?per_page=500');
      expect(everyApp.status).toBe(200);
      const recent = fixture.filter((v) => v.correlationId !== 'old');
      expect(everyApp.body.data.total).toBe(recent.length);
      const times = everyApp.body.data.items.map((i: { log_time: string }) => i.log_time);
      expect(times).toEqual([...times].sort().reverse());
      const bigPage = await h.get('/monitor/violation/by-app?app_name=checkout&per_page=501');
      expect(bigPage.status).toBe(400);
    },
  );

  it.skipIf(driver.skipReason)('violations by message: across apps, or of one app', async () => {
    const all = fixture.filter((v) => v.messageKey === 'payment.capture' && v.correlationId !== 'old');
    const any = await h.get('/monitor/violation/by-message?message_key=payment.capture&per_page=500');
    expect(any.status).toBe(200);
    expect(any.body.data.total).toBe(all.length);
    expect(any.body.data.totals.worst_ms).toBe(5003);
    expect(any.body.data.totals.rules).toEqual([
      { rule_type: 'message', rule_id: 7, threshold_ms: 900, count: all.filter((v) => v.ruleId === 7).length },
      { rule_type: 'message', rule_id: 9, threshold_ms: 4000, count: 4 },
    ]);
    const times = any.body.data.items.map((i: { log_time: string }) => i.log_time);
    expect(times).toEqual([...times].sort().reverse());

    const billing = await h.get('/monitor/violation/by-message?message_key=payment.capture&app_name=billing');
    expect(billing.body.data.total).toBe(4);
    expect(billing.body.data.items.every((i: { app_name: string }) => i.app_name === 'billing')).toBe(true);

    const none = await h.get('/monitor/violation/by-message?message_key=unknown.key');
    expect(none.body.data).toEqual({
      items: [],
      total: 0,
      page: 1,
      per_page: 50,
      totals: { count: 0, worst_ms: null, avg_ms: null, first_time: null, last_time: null, rules: [] },
    });
  });
});

describe('when the log source cannot be reached', () => {
  let h: StatsHarness;
  let port: number;

  beforeAll(async () => {
    port = await closedPort();
    const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
    h = await statsHarness(sqlite, {
      env: {
        LOG_SOURCE: 'elasticsearch',
        ELASTICSEARCH_HOST: `http://elastic:es-secret-pw@127.0.0.1:${port}`,
        ELASTICSEARCH_INDEX_PREFIX: 'logs-',
      },
      logSource: (config, logger) => ElasticsearchLogSource.open(config, logger, { maxRetries: 0 }),
    });
  });
  afterAll(async () => h?.close());

  it('figures that need it answer 503 naming the cause, without credentials', async () => {
    for (const path of [
      '/dashboard/overview',
      '/dashboard/timeseries',
      '/dashboard/apps',
      '/monitor/trace?correlation_id=x',
      '/monitor/traces/slowest',
    ]) {
      const { status, body } = await h.get(path);
      expect(status, path).toBe(503);
      expect(body.error.code).toBe('unavailable');
      expect(body.error.message).toMatch(/^the log source is unavailable: /);
      expect(JSON.stringify(body)).not.toContain('es-secret-pw');
    }
  });

  it('violation lists and the server status still answer', async () => {
    expect((await h.get('/monitor/violation/by-app?app_name=checkout')).status).toBe(200);
    const { status, body } = await h.get('/monitor/server');
    expect(status).toBe(200);
    expect(body.data.ok).toBe(false);
    expect(body.data.log_source).toMatchObject({ kind: 'elasticsearch', ok: false });
    expect(JSON.stringify(body)).not.toContain('es-secret-pw');
  });
});
