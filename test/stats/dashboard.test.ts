import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import {
  documentsOf,
  durations,
  exactPercentile,
  generateLogs,
  groupBy,
  HOUR,
  inRange,
  mean,
  T0,
  type TestLog,
  violationsOf,
} from './dataset.js';
import { insertViolations, iso, round2, type StatsHarness, statsHarness } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'stats/dashboard');

const logs = generateLogs();
const violations = violationsOf(logs);
// Ragged on both ends: neither bound falls on a minute.
const FROM = T0 + 17 * 60_000 + 23_456;
const TO = T0 + 5 * HOUR + 3 * 60_000 + 7_890;
const NOW = T0 + 6 * HOUR;
const rangeQuery = `from=${iso(FROM)}&to=${iso(TO)}`;

/** p95 from the store's histograms is within 1% of the exact nearest-rank value. */
function expectWithin1Percent(actual: number | null, expected: number | null) {
  if (expected === null) return expect(actual).toBeNull();
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(expected * 0.01 + 0.01);
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : Number(((part / whole) * 100).toPrecision(3)));

describe.each(drivers)('dashboard figures over $driver', (driver) => {
  let h: StatsHarness;
  const inWindow = (l: TestLog) => inRange(l.time, FROM, TO);
  const windowLogs = logs.filter(inWindow);
  const windowViolations = violations.filter((v) => inRange(v.logTime, FROM, TO));

  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver, { routes: { now: () => NOW } });
    h.store.ingestDocuments(documentsOf(logs));
    await insertViolations(h.ctx, violations);
  });
  afterAll(async () => h?.close());

  it.skipIf(driver.skipReason)('overview: every figure over a ragged range', async () => {
    const { status, body } = await h.get(`/dashboard/overview?${rangeQuery}`);
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    const data = body.data;

    const apps = [...new Set(windowLogs.flatMap((l) => (l.app === null ? [] : [l.app])))].sort();
    const byType = {
      app: windowViolations.filter((v) => v.ruleType === 'app').length,
      message: windowViolations.filter((v) => v.ruleType === 'message').length,
    };
    const total = byType.app + byType.message;
    expect(total).toBeGreaterThan(10); // the data set must exercise the figure
    expect(data.from).toBe(iso(FROM));
    expect(data.to).toBe(iso(TO));
    expect(data.total_logs).toBe(windowLogs.length);
    expect(data.active_apps).toEqual({ total: apps.length, apps, truncated: false });
    expect(data.violations).toEqual({ total, by_type: byType, violation_rate: rate(total, windowLogs.length) });
    expect(data.avg_duration.overall_ms).toBeCloseTo(mean(durations(windowLogs))!, 1);

    const perApp = groupBy(
      windowLogs.filter((l) => l.app !== null),
      (l) => l.app as string,
    );
    expect(data.avg_duration.by_app.map((a: { app_name: string }) => a.app_name).sort()).toEqual(apps);
    for (const item of data.avg_duration.by_app) {
      const appLogs = perApp.get(item.app_name)!;
      expect(item.count).toBe(appLogs.length);
      expect(item.avg_ms).toBeCloseTo(mean(durations(appLogs))!, 1);
    }
    const averages = data.avg_duration.by_app.map((a: { avg_ms: number }) => a.avg_ms);
    expect(averages).toEqual([...averages].sort((a, b) => b - a));

    const levels = groupBy(windowLogs, (l) => l.level ?? 'unknown');
    const expectedLevels = [...levels]
      .map(([level, list]) => ({ level, count: list.length }))
      .sort((a, b) => b.count - a.count || a.level.localeCompare(b.level));
    expect(data.log_level_distribution).toEqual(expectedLevels);
  });

  it.skipIf(driver.skipReason)('overview: one app only (app_name)', async () => {
    const { status, body } = await h.get(`/dashboard/overview?${rangeQuery}&app_name=search`);
    expect(status).toBe(200);
    const data = body.data;
    const appLogs = windowLogs.filter((l) => l.app === 'search');
    const appViolations = windowViolations.filter((v) => v.app === 'search');
    expect(appLogs.length).toBeGreaterThan(50);
    expect(appLogs.length).toBeLessThan(windowLogs.length);
    expect(appViolations.length).toBeGreaterThan(0);
    expect(appViolations.length).toBeLessThan(windowViolations.length);
    expect(data.total_logs).toBe(appLogs.length);
    expect(data.active_apps).toEqual({ total: 1, apps: ['search'], truncated: false });
    const byType = {
      app: appViolations.filter((v) => v.ruleType === 'app').length,
      message: appViolations.filter((v) => v.ruleType === 'message').length,
    };
    const total = byType.app + byType.message;
    expect(data.violations).toEqual({ total, by_type: byType, violation_rate: rate(total, appLogs.length) });
    expect(data.avg_duration.overall_ms).toBeCloseTo(mean(durations(appLogs))!, 1);
    expect(data.avg_duration.by_app).toHaveLength(1);
    expect(data.avg_duration.by_app[0]).toMatchObject({ app_name: 'search', count: appLogs.length });
    const levels = [...groupBy(appLogs, (l) => l.level ?? 'unknown')]
      .map(([level, list]) => ({ level, count: list.length }))
      .sort((a, b) => b.count - a.count || a.level.localeCompare(b.level));
    expect(data.log_level_distribution).toEqual(levels);

    const unknown = await h.get(`/dashboard/overview?${rangeQuery}&app_name=never-logged`);
    expect(unknown.body.data).toMatchObject({ total_logs: 0, active_apps: { total: 0 }, violations: { total: 0 } });
    const empty = await h.get(`/dashboard/overview?${rangeQuery}&app_name=`);
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body)).toContain('app_name');
  });

  it.skipIf(driver.skipReason)('overview: the default range is the last 24 hours', async () => {
    const { status, body } = await h.get('/dashboard/overview');
    expect(status).toBe(200);
    expect(body.data.from).toBe(iso(NOW - 24 * HOUR));
    expect(body.data.to).toBe(iso(NOW));
    expect(body.data.total_logs).toBe(logs.length);
    expect(body.data.violations.total).toBe(violations.length);
  });

  it.skipIf(driver.skipReason)('overview: an empty range has zero figures and a zero rate', async () => {
    const { body } = await h.get(`/dashboard/overview?from=${iso(T0 - 2 * HOUR)}&to=${iso(T0 - HOUR)}`);
    expect(body.data).toMatchObject({
      total_logs: 0,
      active_apps: { total: 0, apps: [], truncated: false },
      violations: { total: 0, by_type: { app: 0, message: 0 }, violation_rate: 0 },
      avg_duration: { overall_ms: null, by_app: [], by_app_total: 0, truncated: false },
      log_level_distribution: [],
      log_level_total: 0,
      log_level_truncated: false,
    });
  });

  it.skipIf(driver.skipReason)('timeseries: every 15-minute bucket', async () => {
    const { status, body } = await h.get(`/dashboard/timeseries?${rangeQuery}&interval=15m`);
    expect(status).toBe(200);
    const data = body.data;
    const interval = 15 * 60_000;
    const first = Math.floor(FROM / interval) * interval;
    const expectedCount = Math.ceil((TO - first) / interval);
    expect(data.interval).toBe('15m');
    expect(data.interval_ms).toBe(interval);
    expect(data.buckets).toHaveLength(expectedCount);
    data.buckets.forEach((bucket: Record<string, number | string | null>, i: number) => {
      const start = first + i * interval;
      const lo = Math.max(start, FROM);
      const hi = Math.min(start + interval, TO);
      const bucketLogs = logs.filter((l) => inRange(l.time, lo, hi));
      expect(bucket.time).toBe(iso(start));
      expect(bucket.logs).toBe(bucketLogs.length);
      const ds = durations(bucketLogs);
      if (ds.length === 0) expect(bucket.avg_ms).toBeNull();
      else expect(bucket.avg_ms as number).toBeCloseTo(mean(ds)!, 1);
      expectWithin1Percent(bucket.p95_ms as number | null, exactPercentile(ds, 0.95));
      expect(bucket.violations).toBe(violations.filter((v) => inRange(v.logTime, lo, hi)).length);
    });
    expect(data.buckets.reduce((sum: number, b: { violations: number }) => sum + b.violations, 0)).toBe(
      windowViolations.length,
    );
  });

  it.skipIf(driver.skipReason)('timeseries: one app only', async () => {
    const { body } = await h.get(`/dashboard/timeseries?${rangeQuery}&interval=1h&app_name=search`);
    const data = body.data;
    expect(data.app_name).toBe('search');
    const first = Math.floor(FROM / HOUR) * HOUR;
    data.buckets.forEach((bucket: Record<string, number | null>, i: number) => {
      const start = first + i * HOUR;
      const lo = Math.max(start, FROM);
      const hi = Math.min(start + HOUR, TO);
      const appLogs = logs.filter((l) => l.app === 'search' && inRange(l.time, lo, hi));
      expect(bucket.logs).toBe(appLogs.length);
      expectWithin1Percent(bucket.p95_ms, exactPercentile(durations(appLogs), 0.95));
      expect(bucket.violations).toBe(violations.filter((v) => v.app === 'search' && inRange(v.logTime, lo, hi)).length);
    });
  });

  it.skipIf(driver.skipReason)('timeseries: the interval is chosen from the span', async () => {
    const day = await h.get(`/dashboard/timeseries?from=${iso(T0)}&to=${iso(T0 + 24 * HOUR)}`);
    expect(day.body.data.interval).toBe('5m');
    expect(day.body.data.buckets).toHaveLength(288);
    const hour = await h.get(`/dashboard/timeseries?from=${iso(T0)}&to=${iso(T0 + HOUR)}`);
    expect(hour.body.data.interval).toBe('1m');
    expect(hour.body.data.buckets).toHaveLength(60);
    const total = day.body.data.buckets.reduce((sum: number, b: { logs: number }) => sum + b.logs, 0);
    expect(total).toBe(logs.length);
  });

  it.skipIf(driver.skipReason)('apps: per app figures and slowest message keys', async () => {
    const { status, body } = await h.get(`/dashboard/apps?${rangeQuery}`);
    expect(status).toBe(200);
    const perApp = groupBy(
      windowLogs.filter((l) => l.app !== null),
      (l) => l.app as string,
    );
    const perAppViolations = groupBy(windowViolations, (v) => v.app);
    const apps = body.data.apps;
    expect(apps.map((a: { app_name: string }) => a.app_name).sort()).toEqual([...perApp.keys()].sort());
    expect(body.data).toMatchObject({ total: perApp.size, page: 1, per_page: 50 });
    for (const app of apps) {
      const appLogs = perApp.get(app.app_name)!;
      const ds = durations(appLogs);
      const count = perAppViolations.get(app.app_name)?.length ?? 0;
      expect(app.logs).toBe(appLogs.length);
      expect(app.avg_ms).toBeCloseTo(mean(ds)!, 1);
      expectWithin1Percent(app.p95_ms, exactPercentile(ds, 0.95));
      expect(app.max_ms).toBe(round2(Math.max(...ds)));
      expect(app.violations).toBe(count);
      expect(app.violation_rate).toBe(rate(count, appLogs.length));

      const keys = groupBy(
        appLogs.filter((l) => l.messageKey !== null),
        (l) => l.messageKey as string,
      );
      const expectedOrder = [...keys]
        .map(([key, list]) => ({ key, p95: exactPercentile(durations(list), 0.95) ?? -1 }))
        .sort((a, b) => b.p95 - a.p95)
        .map((k) => k.key);
      expect(app.slowest_message_keys.map((k: { message_key: string }) => k.message_key)).toEqual(expectedOrder);
      for (const key of app.slowest_message_keys) {
        const keyLogs = keys.get(key.message_key)!;
        expect(key.count).toBe(keyLogs.length);
        expectWithin1Percent(key.p95_ms, exactPercentile(durations(keyLogs), 0.95));
        expect(key.max_ms).toBe(round2(Math.max(...durations(keyLogs))));
      }
    }
    // Most violations first.
    const counts = apps.map((a: { violations: number }) => a.violations);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it.skipIf(driver.skipReason)('range validation: 422 naming the field', async () => {
    for (const path of ['/dashboard/overview', '/dashboard/timeseries', '/dashboard/apps']) {
      const bad = await h.get(`${path}?from=yesterday&to=2026-13-45`);
      expect(bad.status).toBe(422);
      expect(bad.body.error.code).toBe('validation_failed');
      expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['from', 'to']);

      const backwards = await h.get(`${path}?from=${iso(TO)}&to=${iso(FROM)}`);
      expect(backwards.status).toBe(422);
      expect(backwards.body.error.details).toEqual([{ field: 'to', message: 'must be after from' }]);

      const equal = await h.get(`${path}?from=${iso(FROM)}&to=${iso(FROM)}`);
      expect(equal.status).toBe(422);

      const tooLong = await h.get(`${path}?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`);
      expect(tooLong.status).toBe(422);
      expect(tooLong.body.error.details[0].field).toBe('to');
      expect(tooLong.body.error.details[0].message).toContain('31 days');
    }
  });

  it.skipIf(driver.skipReason)('timeseries: a bad or too fine interval is a 422 naming interval', async () => {
    const bad = await h.get(`/dashboard/timeseries?${rangeQuery}&interval=5 minutes`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].field).toBe('interval');
    const zero = await h.get(`/dashboard/timeseries?${rangeQuery}&interval=0m`);
    expect(zero.status).toBe(422);
    const fine = await h.get(`/dashboard/timeseries?from=${iso(T0)}&to=${iso(T0 + 7 * 24 * HOUR)}&interval=1s`);
    expect(fine.status).toBe(422);
    expect(fine.body.error.details[0]).toMatchObject({ field: 'interval' });
    expect(fine.body.error.details[0].message).toContain('604800 buckets');
  });

  it.skipIf(driver.skipReason)('unknown query parameters are refused', async () => {
    const { status, body } = await h.get('/dashboard/overview?form=2026-01-01');
    expect(status).toBe(400);
    expect(body.error.details).toEqual([{ field: 'form', message: 'is not a known field' }]);
  });
});
