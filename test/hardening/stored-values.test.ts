import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogFields } from '../../src/logs/log-record.js';
import { insertViolations, type StatsHarness, statsHarness } from '../stats/support.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { insertLegacyRows } from './legacy-rows.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'hardening/stored-values');

const NOW = Date.UTC(2026, 5, 1, 12);
const log = (overrides: Partial<LogFields>): LogFields => ({
  time: NOW - 10 * 60_000,
  app: 'legacy',
  messageKey: 'job.run',
  durationMs: 5,
  correlationId: 'trace-1',
  level: 'info',
  message: 'hello',
  ...overrides,
});

/** Values ingest refuses today, written as an old version stored them. */
const LEGACY: LogFields[] = [
  log({ durationMs: 1e308 }),
  log({ durationMs: 1e308, time: NOW - 9 * 60_000 }),
  log({ durationMs: Number.POSITIVE_INFINITY, time: NOW - 8 * 60_000 }),
  log({ durationMs: -5, time: NOW - 7 * 60_000 }),
  log({ time: Number('9999999999999999') }),
  log({ time: 1e20 }),
  log({ durationMs: 1.7e308, app: 'other', correlationId: 'trace-2' }),
];

const FIGURES = [
  '/dashboard/overview',
  '/dashboard/apps',
  '/dashboard/timeseries',
  '/dashboard/timeseries?app_name=legacy&interval=1m',
  '/monitor/trace?correlation_id=trace-1',
  '/monitor/trace?correlation_id=trace-2',
  '/monitor/traces/slowest',
  '/monitor/server',
  '/monitor/violation/by-app?app_name=legacy',
  '/monitor/violation/by-message?message_key=job.run',
];

describe.each(drivers)('stored values that ingest refuses today, over $driver', (driver) => {
  let h: StatsHarness;

  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver, { routes: { now: () => NOW } });
    h.store.ingestDocuments([
      { '@timestamp': NOW - 60_000, app_name: 'legacy', duration: 20, correlation_id: 'trace-1' },
    ]);
    insertLegacyRows(h.store.path, LEGACY);
    await insertViolations(h.ctx, [
      {
        ruleType: 'app',
        ruleId: 1,
        app: 'legacy',
        messageKey: 'job.run',
        durationMs: 1e308,
        thresholdMs: 100,
        logTime: NOW - 10 * 60_000,
        correlationId: 'trace-1',
      },
      {
        ruleType: 'app',
        ruleId: 1,
        app: 'legacy',
        messageKey: 'job.run',
        durationMs: 1.5e308,
        thresholdMs: 100,
        logTime: NOW - 9 * 60_000,
        correlationId: 'trace-1',
      },
    ]);
  });
  afterAll(async () => h?.close());

  it.skipIf(driver.skipReason)('every figure endpoint answers 200 with finite numbers', async () => {
    for (const url of FIGURES) {
      const response = await h.app.inject({ method: 'GET', url });
      expect(response.statusCode, `${url}: ${response.body.slice(0, 300)}`).toBe(200);
      // JSON has no Infinity or NaN: anything that parsed is finite.
      expect(JSON.parse(response.body).status).toBe('success');
    }
  });

  it.skipIf(driver.skipReason)(
    'the trace leaves out rows without a valid time and reads a bad duration as none',
    async () => {
      const { body } = await h.get('/monitor/trace?correlation_id=trace-1');
      const times: string[] = body.data.logs.map((l: { time: string }) => l.time);
      expect(times.every((t) => t < '9999')).toBe(true);
      expect(body.data.count).toBe(5); // 4 legacy rows with a valid time, 1 valid log
      const durations = body.data.logs.map((l: { duration_ms: number | null }) => l.duration_ms);
      // 1e308, Infinity and -5 are no valid durations: logs without one.
      expect(durations).toEqual([null, null, null, null, 20]);
    },
  );

  it.skipIf(driver.skipReason)('the slowest traces read a bad duration as none', async () => {
    const { body } = await h.get('/monitor/traces/slowest');
    // trace-2 has only an invalid duration (1.7e308): not listed; trace-1's valid 20 ms decides.
    expect(body.data.traces.map((t: { correlation_id: string; max_duration_ms: number }) => t)).toEqual([
      expect.objectContaining({ correlation_id: 'trace-1', max_duration_ms: 20, logs: 5 }),
    ]);
  });

  it.skipIf(driver.skipReason)('the overview counts the rows in range and stays finite', async () => {
    const { body } = await h.get('/dashboard/overview');
    expect(body.data.total_logs).toBe(6);
    expect(body.data.violations.total).toBe(2);
  });
});
