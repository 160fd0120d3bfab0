import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { fillManyApps, manyAppName } from '../support/many-apps.js';
import { HOUR, T0, type TestViolation } from './dataset.js';
import { insertViolations, iso, type StatsHarness, statsHarness } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'stats/cardinality');

const APPS = 100_000;
const LEVELS = 120;
/** Heavy reads on a loaded 2-core machine take many seconds each: no speed goal here (see bench/cardinality.ts). */
const HEAVY_TIMEOUT_MS = 300_000;
const range = `from=${iso(T0)}&to=${iso(T0 + 6 * HOUR + 1234)}`;

const violation = (app: string, i: number): TestViolation => ({
  ruleType: 'app',
  ruleId: 1,
  app,
  messageKey: null,
  durationMs: 5_000,
  thresholdMs: 100,
  logTime: T0 + HOUR + i,
  correlationId: null,
});
// Two apps with violations, and one whose logs are gone (retention): 100,001 apps in all.
const violations = [
  ...Array.from({ length: 10 }, (_, i) => violation(manyAppName(5), i)),
  ...Array.from({ length: 5 }, (_, i) => violation(manyAppName(7), i)),
  ...Array.from({ length: 3 }, (_, i) => violation('retired-app', i)),
];

describe.each(drivers)('100,000 apps over $driver (embedded store, reads in stats threads)', (driver) => {
  let h: StatsHarness;
  let address: string;

  /** GET through inject: status, parsed body, and the answer's size in bytes. */
  async function get(url: string) {
    const response = await h.app.inject({ method: 'GET', url });
    return { status: response.statusCode, bytes: response.rawPayload.length, body: response.json() };
  }

  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver, { store: { readsOffLoop: true } });
    expect(fillManyApps(h.store, { apps: APPS, levels: LEVELS, from: T0, spanMs: 6 * HOUR })).toBe(2 * APPS);
    await insertViolations(h.ctx, violations);
    address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  }, HEAVY_TIMEOUT_MS);
  afterAll(async () => h?.close());

  it.skipIf(driver.skipReason)(
    'the overview lists the 100 busiest apps and 50 levels, with the totals of all',
    async () => {
      const { status, bytes, body } = await get(`/dashboard/overview?${range}`);
      expect(status).toBe(200);
      expect(bytes).toBeLessThan(64 * 1024);
      const data = body.data;
      expect(data.total_logs).toBe(2 * APPS);
      // Every app has two logs: the busiest are the first by name.
      const first100 = Array.from({ length: 100 }, (_, i) => manyAppName(i));
      expect(data.active_apps).toEqual({ total: APPS, apps: first100, truncated: true });
      expect(data.avg_duration.by_app).toHaveLength(100);
      expect(data.avg_duration.by_app.map((a: { app_name: string }) => a.app_name).sort()).toEqual(first100);
      expect(data.avg_duration).toMatchObject({ by_app_total: APPS, truncated: true });
      expect(data.log_level_distribution).toHaveLength(50);
      expect(data.log_level_total).toBe(LEVELS);
      expect(data.log_level_truncated).toBe(true);

      const more = await get(`/dashboard/overview?${range}&apps_limit=1000`);
      expect(more.body.data.active_apps.apps).toHaveLength(1000);
      expect(more.body.data.active_apps.total).toBe(APPS);
    },
    HEAVY_TIMEOUT_MS,
  );

  it.skipIf(driver.skipReason)(
    '/dashboard/apps answers one page, with the total of every app',
    async () => {
      const first = await get(`/dashboard/apps?${range}`);
      expect(first.status).toBe(200);
      expect(first.bytes).toBeLessThan(64 * 1024);
      expect(first.body.data).toMatchObject({ total: APPS + 1, page: 1, per_page: 50 });
      expect(first.body.data.apps).toHaveLength(50);
      // Default order: violations first, across every app (not only those of the first page read).
      expect(first.body.data.apps.slice(0, 3).map((a: { app_name: string }) => a.app_name)).toEqual([
        manyAppName(5),
        manyAppName(7),
        'retired-app',
      ]);
      expect(first.body.data.apps[0]).toMatchObject({ logs: 2, violations: 10 });
      expect(first.body.data.apps[0].slowest_message_keys.length).toBeGreaterThan(0);

      const byName = await get(`/dashboard/apps?${range}&sort=app_name&page=3&per_page=500`);
      expect(byName.body.data).toMatchObject({ total: APPS + 1, page: 3, per_page: 500 });
      expect(byName.body.data.apps.map((a: { app_name: string }) => a.app_name)).toEqual(
        Array.from({ length: 500 }, (_, i) => manyAppName(1000 + i)),
      );
      const last = await get(`/dashboard/apps?${range}&sort=app_name&page=201&per_page=500`);
      expect(last.body.data.apps.map((a: { app_name: string }) => a.app_name)).toEqual(['retired-app']);
      const beyond = await get(`/dashboard/apps?${range}&page=300&per_page=500`);
      expect(beyond.body.data).toMatchObject({ apps: [], total: APPS + 1 });
    },
    HEAVY_TIMEOUT_MS,
  );

  it.skipIf(driver.skipReason)(
    'the slowest traces of 200,000 logs',
    async () => {
      const { status, body } = await get(`/monitor/traces/slowest?${range}&limit=20`);
      expect(status).toBe(200);
      const traces: { max_duration_ms: number }[] = body.data.traces;
      expect(traces).toHaveLength(20);
      // App i's second log lasts 11 + (i mod 997) ms: the worst is 1,007 ms.
      expect(traces[0]!.max_duration_ms).toBe(1007);
      expect(traces.map((t) => t.max_duration_ms)).toEqual(
        [...traces.map((t) => t.max_duration_ms)].sort((a, b) => b - a),
      );
    },
    HEAVY_TIMEOUT_MS,
  );

  it.skipIf(driver.skipReason)(
    '/health answers over HTTP while heavy figure reads run',
    async () => {
      const heavy = [
        `/dashboard/apps?${range}&sort=-p95_ms`,
        `/dashboard/apps?${range}&sort=avg_ms&page=7`,
        `/dashboard/overview?${range}`,
        `/monitor/traces/slowest?${range}&limit=100`,
      ];
      let finished = 0;
      const reads = heavy.map(async (path) => {
        const response = await fetch(`${address}${path}`);
        await response.arrayBuffer();
        finished++;
        return response.status;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const health = await fetch(`${address}/health`);
      const finishedAtHealth = finished;
      expect(health.status).toBe(200);
      expect(await Promise.all(reads)).toEqual([200, 200, 200, 200]);
      // The heavy reads ran off the event loop: /health did not wait for them all.
      expect(finishedAtHealth).toBeLessThan(heavy.length);
    },
    HEAVY_TIMEOUT_MS,
  );
});
