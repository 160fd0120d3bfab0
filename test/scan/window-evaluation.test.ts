import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/alerts/notification.js';
import { repositoriesFor } from '../../src/app/context.js';
import type { StateDb } from '../../src/db/connection.js';
import type { WindowRule } from '../../src/rules/kinds/kind.js';
import { windowKindNamed } from '../../src/rules/kinds/registry.js';
import { listIncidents } from '../../src/scan/incidents.js';
import { evaluateWindowRules, type KindedWindowRule } from '../../src/scan/window-evaluation.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';
import { type MemoryLog, memoryWindowReader } from '../support/memory-window-reader.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'window evaluation');

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const HOOK = [{ channel: 'webhook' as const, address: 'http://hooks.test/a', targetId: null }];

describe.each(drivers.map((d) => [d.driver, d] as const))('window rules evaluated over %s', (_name, driver) => {
  let db: { state: StateDb; close: () => Promise<void> } | undefined;
  let repos: ReturnType<typeof repositoriesFor>;
  let logs: MemoryLog[];
  let reader: ReturnType<typeof memoryWindowReader>;

  beforeEach(async () => {
    if (driver.skipReason) return;
    db = await migratedStateDb(driver);
    repos = repositoriesFor(db.state);
    logs = [];
    reader = memoryWindowReader(logs);
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  const create = async (kind: string, body: Record<string, unknown>) =>
    (await repos.ruleStores.windowRules(kind).create({ alert_channels: ['webhook'], ...body }, 'test')) as WindowRule;
  const rulesNow = async (): Promise<KindedWindowRule[]> => {
    const found: KindedWindowRule[] = [];
    for (const name of ['latency', 'absence']) {
      const kind = windowKindNamed(name)!;
      for (const rule of await repos.ruleStores.windowRules(name).all()) found.push({ kind, rule: rule as WindowRule });
    }
    return found;
  };
  const evaluate = async (end: number, now = end, silences = repos.silences) =>
    evaluateWindowRules({
      db: db!.state.db,
      read: reader,
      rules: await rulesNow(),
      destinations: () => HOOK,
      silences,
      publicUrl: 'http://lagwatch.test',
      scanId: null,
      end,
      now,
    });
  const alertRows = async () =>
    (await db!.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute()).map((r) => ({
      ...r,
      notification: JSON.parse(r.payload) as AlertNotification,
    }));
  /** `count` logs of `app` (and key) each `duration` ms, spread over the minute before `at`. */
  const addLogs = (at: number, count: number, duration: number, key = 'POST /orders', app = 'checkout') => {
    for (let i = 0; i < count; i++) logs.push({ time: at - 1 - i * 100, app, key, duration });
  };

  it.skipIf(driver.skipReason)(
    'pending, then one alert and one incident; hysteresis keeps it firing; resolved once',
    async () => {
      const rule = await create('latency', {
        name: 'orders p95',
        app_name: 'checkout',
        message_key: 'POST /orders',
        statistic: 'p95',
        threshold: 800,
        resolve_threshold: 600,
        pending_minutes: 2,
      });
      addLogs(T0, 30, 1240);
      let result = await evaluate(T0);
      expect(result.series[0]).toMatchObject({ state_before: 'ok', state: 'pending', event: null, value: 1240 });
      addLogs(T0 + MIN, 30, 1240);
      expect((await evaluate(T0 + MIN)).series[0]?.state).toBe('pending');
      addLogs(T0 + 2 * MIN, 30, 1240);
      result = await evaluate(T0 + 2 * MIN);
      expect(result.series[0]).toMatchObject({ state: 'firing', event: 'alert' });
      expect(result.alertsQueued).toBe(1);

      const rows = await alertRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ rule_type: 'latency', rule_id: rule.id, kind: 'alert', status: 'pending' });
      expect(rows[0]!.notification.sentence).toBe(
        'checkout POST /orders: p95 1,240 ms over the last 5 min > 800 ms (90 logs), firing since 10:02 UTC',
      );
      const incidents = await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 });
      expect(incidents.items).toHaveLength(1);
      expect(incidents.items[0]).toMatchObject({
        state: 'firing',
        value: 1240,
        threshold: 800,
        unit: 'ms',
        samples: 90,
      });
      expect(rows[0]!.notification.dashboardUrl).toBe(
        `http://lagwatch.test/#/incidents?id=${incidents.items[0]!.id}&rule=latency:${rule.id}&from=2026-12-06T09:02:00.000Z&to=2026-12-06T10:02:00.001Z`,
      );

      // 700 ms: under the threshold but above resolve_threshold: still firing, nothing queued.
      logs.length = 0;
      addLogs(T0 + 10 * MIN, 40, 700);
      result = await evaluate(T0 + 10 * MIN);
      expect(result.series[0]).toMatchObject({ state: 'firing', event: null });
      // 610 ms... still above 600; 500 ms resolves.
      logs.length = 0;
      addLogs(T0 + 25 * MIN, 40, 500);
      result = await evaluate(T0 + 25 * MIN);
      expect(result.series[0]).toMatchObject({ state: 'ok', event: 'resolved' });
      const after = await alertRows();
      expect(after.map((r) => r.kind)).toEqual(['alert', 'resolved']);
      expect(after[1]!.notification.sentence).toBe(
        'checkout POST /orders: back to 500 ms after 23 min (p95 over the last 5 min, 40 logs)',
      );
      const resolved = (await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 })).items[0]!;
      expect(resolved).toMatchObject({ state: 'resolved', value: 500, peak_value: 1240 });
      expect(resolved.resolved_at).toBe(new Date(T0 + 25 * MIN).toISOString());
      // Nothing more while ok.
      await evaluate(T0 + 26 * MIN);
      expect(await alertRows()).toHaveLength(2);
    },
  );

  it.skipIf(driver.skipReason)(
    'a window under min_samples keeps the state; reminders every cooldown_minutes',
    async () => {
      await create('latency', {
        name: 'checkout max',
        app_name: 'checkout',
        statistic: 'max',
        threshold: 1000,
        min_samples: 10,
        cooldown_minutes: 10,
      });
      addLogs(T0, 12, 2000);
      expect((await evaluate(T0)).series[0]).toMatchObject({ state: 'firing', event: 'alert' });
      // Three logs, all fast: not judged, still firing, no resolved.
      logs.length = 0;
      addLogs(T0 + 6 * MIN, 3, 10);
      expect((await evaluate(T0 + 6 * MIN)).series[0]).toMatchObject({ judged: false, state: 'firing', event: null });
      logs.length = 0;
      addLogs(T0 + 11 * MIN, 12, 3000);
      expect((await evaluate(T0 + 11 * MIN)).series[0]).toMatchObject({ state: 'firing', event: 'reminder' });
      addLogs(T0 + 12 * MIN, 12, 3000);
      expect((await evaluate(T0 + 12 * MIN)).series[0]?.event).toBeNull();
      const rows = await alertRows();
      expect(rows.map((r) => r.notification.incident?.event)).toEqual(['alert', 'reminder']);
      expect(rows[1]!.notification.sentence).toContain('still firing since 10:00 UTC');
      expect((await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 })).total).toBe(1);
    },
  );

  it.skipIf(driver.skipReason)('per_key: each key its own series and incident', async () => {
    await create('latency', {
      name: 'each endpoint',
      app_name: 'checkout',
      per_key: true,
      statistic: 'p95',
      threshold: 800,
    });
    addLogs(T0, 30, 1500, 'POST /orders');
    addLogs(T0, 40, 100, 'GET /cart');
    const result = await evaluate(T0);
    expect(
      result.series.map((s) => [s.message_key, s.state]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['GET /cart', 'ok'],
      ['POST /orders', 'firing'],
    ]);
    const incidents = await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 });
    expect(incidents.items.map((i) => i.message_key)).toEqual(['POST /orders']);
    const rows = await alertRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.message_key).toBe('POST /orders');
    // GET /cart turns slow later: a second incident; POST /orders is not alerted again.
    logs.length = 0;
    addLogs(T0 + MIN, 30, 1500, 'POST /orders');
    addLogs(T0 + MIN, 40, 2000, 'GET /cart');
    await evaluate(T0 + MIN);
    expect((await alertRows()).map((r) => r.message_key)).toEqual(['POST /orders', 'GET /cart']);
  });

  it.skipIf(driver.skipReason)(
    'baseline: ratio × the same window a day earlier, not judged without a baseline sample',
    async () => {
      await create('latency', {
        name: 'twice as slow',
        app_name: 'checkout',
        message_key: 'POST /orders',
        statistic: 'p50',
        baseline: { compare_to: '1d', ratio: 2, min_increase_ms: 100 },
      });
      addLogs(T0, 30, 500);
      expect((await evaluate(T0)).series[0]).toMatchObject({ judged: false, state: 'ok', baseline_value: null });
      addLogs(T0 - 86_400_000, 30, 200);
      const result = await evaluate(T0);
      expect(result.series[0]).toMatchObject({ judged: true, state: 'firing', baseline_value: 200, threshold: 400 });
      const [row] = await alertRows();
      expect(row!.notification.evaluation).toMatchObject({
        value: 500,
        baselineValue: 200,
        threshold: 400,
        samples: 30,
      });
      expect(row!.notification.sentence).toContain(
        'p50 500 ms over the last 5 min > 2 × 200 ms a day earlier (30 logs)',
      );
    },
  );

  it.skipIf(driver.skipReason)(
    'absence: fires once when the app falls silent, says when it last logged, resolves with the first log',
    async () => {
      await create('absence', { name: 'payments silent', app_name: 'payments', silent_minutes: 10 });
      logs.push({ time: T0 - 9 * MIN, app: 'payments', duration: 5 });
      expect((await evaluate(T0)).series[0]).toMatchObject({ state: 'ok', value: 1 });
      const result = await evaluate(T0 + 3 * MIN);
      expect(result.series[0]).toMatchObject({ state: 'firing', event: 'alert', value: 0 });
      const [row] = await alertRows();
      expect(row!.notification.sentence).toBe('payments: no log for 10 min (last at 09:51 UTC)');
      await evaluate(T0 + 4 * MIN);
      logs.push({ time: T0 + 4 * MIN + 30_000, app: 'payments' });
      expect((await evaluate(T0 + 5 * MIN)).series[0]).toMatchObject({ state: 'ok', event: 'resolved' });
      expect((await alertRows()).map((r) => r.kind)).toEqual(['alert', 'resolved']);
    },
  );

  it.skipIf(driver.skipReason)(
    'a silence holds the notification back; notify_resolved false sends no resolved',
    async () => {
      await create('latency', {
        name: 'quiet',
        app_name: 'checkout',
        statistic: 'avg',
        threshold: 100,
        notify_resolved: false,
      });
      await repos.silences.create(
        {
          app_name: 'checkout',
          message_key: null,
          starts_at: T0 - MIN,
          ends_at: T0 + 5 * MIN,
          comment: null,
          created_by: 'test',
        },
        'test',
      );
      addLogs(T0, 30, 500);
      await evaluate(T0);
      logs.length = 0;
      addLogs(T0 + 10 * MIN, 30, 50);
      expect((await evaluate(T0 + 10 * MIN)).series[0]?.event).toBe('resolved');
      const rows = await alertRows();
      expect(rows.map((r) => [r.kind, r.status])).toEqual([['alert', 'silenced']]);
    },
  );

  it.skipIf(driver.skipReason)(
    'a crash during an evaluation writes nothing; the next one writes each thing once',
    async () => {
      await create('latency', { name: 'a', app_name: 'checkout', statistic: 'max', threshold: 100 });
      await create('latency', {
        name: 'b',
        app_name: 'checkout',
        message_key: 'POST /orders',
        statistic: 'max',
        threshold: 100,
      });
      addLogs(T0, 30, 500);
      let calls = 0;
      const crashing = {
        activeFor: async (...args: Parameters<typeof repos.silences.activeFor>) => {
          if (++calls === 2) throw new Error('killed');
          return repos.silences.activeFor(...args);
        },
      };
      await expect(evaluate(T0, T0, crashing as typeof repos.silences)).rejects.toThrow('killed');
      expect(await alertRows()).toHaveLength(0);
      expect((await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 })).total).toBe(0);
      expect(await db!.state.db.selectFrom('rule_series').selectAll().execute()).toHaveLength(0);
      await evaluate(T0);
      await evaluate(T0 + 30_000);
      expect(await alertRows()).toHaveLength(2);
      expect((await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 })).total).toBe(2);
    },
  );

  it.skipIf(driver.skipReason)('the incident of a deleted rule is resolved without a notification', async () => {
    const rule = await create('latency', { name: 'gone', app_name: 'checkout', statistic: 'max', threshold: 100 });
    addLogs(T0, 30, 500);
    await evaluate(T0);
    await repos.ruleStores.windowRules('latency').delete(rule.id, 'test');
    await evaluate(T0 + MIN);
    const [incident] = (await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 })).items;
    expect(incident).toMatchObject({ state: 'resolved', resolved_at: new Date(T0 + MIN).toISOString() });
    expect(await alertRows()).toHaveLength(1);
    expect(await db!.state.db.selectFrom('rule_series').selectAll().execute()).toHaveLength(0);
  });

  it.skipIf(driver.skipReason)('a dry run reports the step and writes nothing', async () => {
    await create('latency', { name: 'dry', app_name: 'checkout', statistic: 'max', threshold: 100 });
    addLogs(T0, 30, 500);
    const result = await evaluateWindowRules({
      db: db!.state.db,
      read: reader,
      rules: await rulesNow(),
      destinations: () => HOOK,
      silences: repos.silences,
      publicUrl: 'http://lagwatch.test',
      scanId: null,
      end: T0,
      now: T0,
      dryRun: true,
    });
    expect(result.series[0]).toMatchObject({ state: 'firing', event: 'alert' });
    expect(await alertRows()).toHaveLength(0);
    expect(await db!.state.db.selectFrom('rule_series').selectAll().execute()).toHaveLength(0);
  });
});
