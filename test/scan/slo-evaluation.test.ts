import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../../src/alerts/notification.js';
import { renderWebhookPayload } from '../../src/alerts/render/webhook.js';
import { repositoriesFor } from '../../src/app/context.js';
import type { StateDb } from '../../src/db/connection.js';
import type { WindowStatsReader } from '../../src/logs/window-stats.js';
import type { WindowRule } from '../../src/rules/kinds/kind.js';
import { windowKindNamed } from '../../src/rules/kinds/registry.js';
import { listIncidents } from '../../src/scan/incidents.js';
import { evaluateWindowRules } from '../../src/scan/window-evaluation.js';
import { announceSkips, driversUnderTest, migratedStateDb } from '../support/databases.js';
import { type MemoryLog, memoryWindowReader } from '../support/memory-window-reader.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'slo evaluation');

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const HOOK = [{ channel: 'webhook' as const, address: 'http://hooks.test/a', targetId: null }];

/**
 * Burn-rate incidents of the slo kind: objective 99 % (1 % of the logs may be bad) under 500 ms,
 * the default burn alerts (1 h and 5 min at 14.4×, 6 h and 30 min at 6×). The data:
 * 31,000 good logs two days back, then in the hour before T0 840 good and 160 bad logs
 * (760 good and 140 bad at 09:10, 80 good and 20 bad at 09:59). At T0: the 1 h window burns
 * 160/1000/0.01 = 16×, the 5 min one 20/100/0.01 = 20×; the period holds 160 bad of 32,000
 * logs, half the allowed 320: 50 % of the budget left, gone in 0.5 × 28 d / 16 = 21 h.
 */
describe.each(drivers.map((d) => [d.driver, d] as const))('slo burn-rate incidents over %s', (_name, driver) => {
  let db: { state: StateDb; close: () => Promise<void> } | undefined;
  let repos: ReturnType<typeof repositoriesFor>;
  let logs: MemoryLog[];

  beforeEach(async () => {
    if (driver.skipReason) return;
    db = await migratedStateDb(driver);
    repos = repositoriesFor(db.state);
    logs = [];
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  const add = (time: number, count: number, duration: number) => {
    for (let i = 0; i < count; i++) logs.push({ time, app: 'checkout', key: 'POST /orders', duration });
  };
  const scenario = () => {
    add(T0 - 2 * 1440 * MIN, 31_000, 100);
    add(T0 - 50 * MIN, 760, 100);
    add(T0 - 50 * MIN, 140, 900);
    add(T0 - MIN, 80, 500);
    add(T0 - MIN, 20, 501);
  };
  const createSlo = (extra: Record<string, unknown> = {}) =>
    repos.ruleStores.windowRules('slo').create({
      name: 'checkout orders',
      app_name: 'checkout',
      message_key: 'POST /orders',
      threshold_ms: 500,
      objective: 99,
      alert_channels: ['webhook'],
      ...extra,
    }) as Promise<WindowRule>;
  const evaluate = async (end: number, read: WindowStatsReader = memoryWindowReader(logs)) => {
    const kind = windowKindNamed('slo')!;
    const rules = (await repos.ruleStores.windowRules('slo').all()).map((rule) => ({
      kind,
      rule: rule as WindowRule,
    }));
    return evaluateWindowRules({
      db: db!.state.db,
      read,
      rules,
      destinations: () => HOOK,
      silences: repos.silences,
      publicUrl: 'http://lagwatch.test',
      scanId: null,
      end,
      now: end,
    });
  };
  const alertRows = async () =>
    (await db!.state.db.selectFrom('alert_log').selectAll().orderBy('id').execute()).map((r) => ({
      ...r,
      notification: JSON.parse(r.payload) as AlertNotification,
    }));

  it.skipIf(driver.skipReason)(
    'fires once when both windows of a burn alert burn at >= factor, stays firing while one holds, resolves once',
    async () => {
      const rule = await createSlo();
      expect(rule).toMatchObject({
        period_days: 28,
        notify_resolved: true,
        burn_alerts: [
          { long_minutes: 60, short_minutes: 5, factor: 14.4 },
          { long_minutes: 360, short_minutes: 30, factor: 6 },
        ],
      });
      scenario();
      let result = await evaluate(T0);
      expect(result.series[0]).toMatchObject({
        rule_type: 'slo',
        state: 'firing',
        event: 'alert',
        value: 16,
        threshold: 14.4,
        unit: '×',
        samples: 1000,
      });
      const [alert] = await alertRows();
      expect(alert).toMatchObject({ rule_type: 'slo', rule_id: rule.id, kind: 'alert', status: 'pending' });
      expect(alert!.notification.sentence).toBe(
        'checkout POST /orders: error budget burning 16× over the last 1 h and 20× over the last 5 min ' +
          '(alert at 14.4×; objective 99 % within 500 ms); 50 % of the 28 d budget left, ' +
          'gone by 2026-12-07 07:00 UTC at this rate; firing since 10:00 UTC',
      );
      expect(alert!.notification.severity).toBe('critical');
      expect(renderWebhookPayload(alert!.notification).evaluation).toEqual({
        statistic: 'burn_rate',
        value: 16,
        threshold: 14.4,
        unit: '×',
        samples: 1000,
        window_from: '2026-12-06T09:00:00.000Z',
        window_to: '2026-12-06T10:00:00.000Z',
        baseline_value: null,
        details: {
          factor: 14.4,
          long_minutes: 60,
          short_minutes: 5,
          long_rate: 16,
          short_rate: 20,
          period_good: 31_840,
          period_bad: 160,
          budget_remaining_percent: 50,
          budget_exhausted_at: '2026-12-07T07:00:00.000Z',
        },
      });
      const [incident] = (await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 })).items;
      expect(incident).toMatchObject({ rule_type: 'slo', state: 'firing', value: 16, threshold: 14.4, unit: '×' });

      // Ten minutes on: the 5 min window is empty, but 6 h (16×) and 30 min (20/100: 20×) burn at >= 6.
      result = await evaluate(T0 + 10 * MIN);
      expect(result.series[0]).toMatchObject({ state: 'firing', event: null, value: 16, threshold: 6 });
      // Forty minutes on: the 30 min window is empty too; no burn alert holds.
      result = await evaluate(T0 + 40 * MIN);
      expect(result.series[0]).toMatchObject({ state: 'ok', event: 'resolved' });
      await evaluate(T0 + 41 * MIN);
      const rows = await alertRows();
      expect(rows.map((r) => r.kind)).toEqual(['alert', 'resolved']);
      expect(rows[1]!.notification.sentence).toBe(
        'checkout POST /orders: no burn alert holds any more after 40 min (1 h: 20×, 5 min: no logs); 50 % of the 28 d budget left',
      );
      const [resolved] = (await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 })).items;
      expect(resolved).toMatchObject({ state: 'resolved', resolved_at: new Date(T0 + 40 * MIN).toISOString() });
    },
  );

  it.skipIf(driver.skipReason)('just under the factor it does not fire; exactly at it, it does', async () => {
    await createSlo({ burn_alerts: [{ long_minutes: 60, short_minutes: 5, factor: 16 }] });
    scenario();
    expect((await evaluate(T0)).series[0]).toMatchObject({ state: 'firing', value: 16, threshold: 16 });
    await db!.state.db.deleteFrom('rule_series').execute();
    await repos.ruleStores.windowRules('slo').update((await repos.ruleStores.windowRules('slo').all())[0]!.id, {
      burn_alerts: [{ long_minutes: 60, short_minutes: 5, factor: 16.01 }],
    });
    expect((await evaluate(T0 + 1)).series[0]).toMatchObject({ state: 'ok', event: null });
  });

  it.skipIf(driver.skipReason)(
    'a source failing mid-evaluation (the budget read) writes nothing; the next scan alerts once',
    async () => {
      await createSlo();
      scenario();
      const memory = memoryWindowReader(logs);
      let reads = 0;
      const failingSecondRead: WindowStatsReader = async (queries) => {
        reads++;
        if (reads === 2) throw new Error('log source unavailable');
        return memory(queries);
      };
      await expect(evaluate(T0, failingSecondRead)).rejects.toThrow('log source unavailable');
      expect(await alertRows()).toHaveLength(0);
      expect(await db!.state.db.selectFrom('incidents').selectAll().execute()).toHaveLength(0);
      expect(await db!.state.db.selectFrom('rule_series').selectAll().execute()).toHaveLength(0);

      expect((await evaluate(T0 + 30_000)).series[0]).toMatchObject({ event: 'alert' });
      expect((await evaluate(T0 + 60_000)).series[0]).toMatchObject({ event: null, state: 'firing' });
      expect((await alertRows()).map((r) => r.kind)).toEqual(['alert']);
      expect((await listIncidents(db!.state.db, {}, { page: 1, per_page: 10 })).total).toBe(1);
    },
  );

  it.skipIf(driver.skipReason)('reminders every cooldown_minutes; a silence holds the alert back', async () => {
    await createSlo({ cooldown_minutes: 5 });
    await repos.silences.create({
      app_name: 'checkout',
      message_key: null,
      starts_at: T0 - MIN,
      ends_at: T0 + 3 * MIN,
      comment: 'deploy',
      created_by: 'test',
    });
    scenario();
    await evaluate(T0);
    await evaluate(T0 + 2 * MIN);
    const reminder = await evaluate(T0 + 5 * MIN);
    expect(reminder.series[0]).toMatchObject({ event: 'reminder', state: 'firing' });
    const rows = await alertRows();
    expect(rows.map((r) => [r.kind, r.status])).toEqual([
      ['alert', 'silenced'],
      ['alert', 'pending'],
    ]);
    expect(rows[1]!.notification.sentence).toMatch(/; still firing since 10:00 UTC$/);
  });
});
