import { expect } from 'vitest';
import type { WindowStatsReader } from '../../../../src/logs/window-stats.js';
import type { WindowRule } from '../../../../src/rules/kinds/kind.js';
import type { SloRule } from '../../../../src/rules/kinds/slo/burn.js';
import { sloHistory, sloStatus } from '../../../../src/rules/kinds/slo/reports.js';
import { logDocument } from '../../../support/log-documents.js';

/**
 * Hand-computed SLO data: checkout POST /orders, good at <= 500 ms, objective 99.5 % (0.5 % of the
 * logs may be bad), a period of one day ending at NOW (log time in [NOW − 1 d, NOW)).
 *
 * - 288 logs every 5 min from NOW − 1 d + 30 s, durations 100…460 ms: all good;
 * - with every 10th of them (k = 0…28) one of 490 / 500 / 510 ms by k % 3: 10 + 10 good, 9 bad
 *   (they straddle the threshold's histogram bucket in the embedded store's rollups);
 * - period edges: 900 ms exactly at NOW − 1 d (bad, counted), 900 ms 1 ms before it and exactly
 *   at NOW (not counted), 500 ms 1 ms before NOW (good: duration == threshold), 501 ms at NOW − 3 min (bad);
 * - never counted: 5 logs without a duration, another key, another app.
 *
 * Period: good 288 + 20 + 1 = 309, bad 9 + 1 + 1 = 11. Windows ending at NOW:
 * 5 min: good 2 (the spread log at NOW − 4.5 min, the 500 ms one), bad 1;
 * 30 min: good 6 + 1, bad 1; 1 h: good 12 + 1 (k = 28: 500 ms) + 1, bad 1;
 * 6 h: good 72 + 5 (k = 22…28 but 23, 26) + 1, bad 2 (k = 23, 26) + 1.
 */
const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
export const NOW = Date.UTC(2026, 0, 10, 12, 34, 56, 789);

export const SLO_FIELDS = {
  name: 'checkout orders',
  app_name: 'checkout',
  message_key: 'POST /orders',
  threshold_ms: 500,
  objective: 99.5,
  period_days: 1,
} as const;

export const EXPECTED = {
  good: 309,
  bad: 11,
  sli_percent: 96.5625,
  // 11 / 320 / 0.005 = 6.875× over the period: 100 × (1 − 6.875)
  budget_remaining_percent: -587.5,
  burn_rates: { '5m': 66.666666667, '30m': 25, '1h': 13.333333333, '6h': 7.407407407 },
};

/** A stored-rule shape of SLO_FIELDS, for computing without a state database. */
export const sloRule = (): SloRule =>
  ({
    id: 1,
    kind: 'slo',
    is_active: true,
    alert_channels: [],
    cooldown_minutes: 0,
    notify_resolved: true,
    managed_by: null,
    managed_file: null,
    created_at: '',
    updated_at: '',
    burn_alerts: [
      { long_minutes: 60, short_minutes: 5, factor: 14.4 },
      { long_minutes: 360, short_minutes: 30, factor: 6 },
    ],
    ...SLO_FIELDS,
  }) as WindowRule as SloRule;

interface Log {
  time: number;
  app?: string;
  key?: string;
  duration?: number;
}

export function sloLogs(): Log[] {
  const logs: Log[] = [];
  const orders = (time: number, duration?: number) =>
    logs.push({ time, ...(duration === undefined ? {} : { duration }) });
  for (let i = 0; i < 288; i++) {
    const time = NOW - DAY + 30_000 + i * 5 * MINUTE;
    orders(time, 100 + (i % 7) * 60);
    if (i % 10 === 0) orders(time + 1000, 490 + 10 * ((i / 10) % 3));
  }
  orders(NOW - DAY, 900);
  orders(NOW - DAY - 1, 900);
  orders(NOW, 900);
  orders(NOW - 1, 500);
  orders(NOW - 3 * MINUTE, 501);
  for (let i = 0; i < 5; i++) orders(NOW - 10 * MINUTE - i);
  for (let i = 0; i < 10; i++) logs.push({ time: NOW - 2 * MINUTE, key: 'GET /cart', duration: 900 });
  for (let i = 0; i < 10; i++) logs.push({ time: NOW - 2 * MINUTE, app: 'billing', duration: 900 });
  return logs;
}

/** Late logs: 3 bad ones of 20 h ago, arriving after the first status. */
export const LATE_BAD = 3;
export function lateLogs(): Log[] {
  return Array.from({ length: LATE_BAD }, (_, i) => ({ time: NOW - 20 * 60 * MINUTE + i, duration: 2000 }));
}

/** The logs as documents of the default field preset. */
export function sloDocuments(logs: readonly Log[]): Record<string, unknown>[] {
  return logs.map((log) =>
    logDocument({
      time: log.time,
      app: log.app ?? 'checkout',
      key: log.key ?? 'POST /orders',
      ...(log.duration === undefined ? {} : { duration: log.duration }),
    }),
  );
}

/** The status and history every source must answer on the hand-computed data, before and after late logs. */
export async function expectExactFigures(read: WindowStatsReader, addLate: () => Promise<void>) {
  const rule = sloRule();
  const status = await sloStatus({ rule, read, now: NOW, firing: false });
  expect(status).toMatchObject({
    good: EXPECTED.good,
    bad: EXPECTED.bad,
    sli_percent: EXPECTED.sli_percent,
    budget_remaining_percent: EXPECTED.budget_remaining_percent,
    burn_rates: EXPECTED.burn_rates,
    period: { from: '2026-01-09T12:34:56.789Z', to: '2026-01-10T12:34:56.789Z' },
    budget_exhausted_at: '2026-01-10T12:34:56.789Z',
    firing: false,
  });
  expect(status.burn_alerts).toEqual([
    {
      long_minutes: 60,
      short_minutes: 5,
      factor: 14.4,
      long_rate: 13.333333333,
      short_rate: 66.666666667,
      holds: false,
    },
    { long_minutes: 360, short_minutes: 30, factor: 6, long_rate: 7.407407407, short_rate: 25, holds: true },
  ]);

  const history = await sloHistory({ rule, read, now: NOW, firing: false, query: { points: 24 } });
  expect(history).toMatchObject({ from: status.period.from, to: status.period.to, step_ms: 3_600_000 });
  expect(history.points).toHaveLength(24);
  const sum = (f: 'good' | 'bad') => history.points.reduce((n, p) => n + p[f], 0);
  expect([sum('good'), sum('bad')]).toEqual([EXPECTED.good, EXPECTED.bad]);
  const last = history.points.at(-1)!;
  expect(last).toMatchObject({ t: status.period.to, budget_remaining_percent: EXPECTED.budget_remaining_percent });
  expect(last.burn_rates).toEqual({
    '60m': EXPECTED.burn_rates['1h'],
    '5m': EXPECTED.burn_rates['5m'],
    '360m': EXPECTED.burn_rates['6h'],
    '30m': EXPECTED.burn_rates['30m'],
  });
  // The first hour: the bad log at the period's start; 12 spread logs and two of 490 and 500 ms, good.
  expect(history.points[0]).toMatchObject({ good: 14, bad: 1 });

  await addLate();
  const later = await sloStatus({ rule, read, now: NOW, firing: false });
  expect([later.good, later.bad]).toEqual([EXPECTED.good, EXPECTED.bad + LATE_BAD]);
}
