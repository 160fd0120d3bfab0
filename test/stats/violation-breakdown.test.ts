import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { HOUR, T0 } from './dataset.js';
import { iso, type StatsHarness, statsHarness } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'stats/violation-breakdown');

const NOW = T0 + 6 * HOUR;
const MINUTE = 60_000;

interface Row {
  ruleType: 'app' | 'message';
  ruleId: number;
  app: string;
  key: string | null;
  level: string | null;
  logTime: number;
}

/** Uneven groups (so the order has one right answer), keys and levels missing on some rows, one row outside the range. */
function fixture(): Row[] {
  const rows: Row[] = [];
  const add = (n: number, row: Omit<Row, 'logTime'>) => {
    for (let i = 0; i < n; i++) rows.push({ ...row, logTime: NOW - (rows.length + 1) * 3 * MINUTE });
  };
  add(7, { ruleType: 'message', ruleId: 4, app: 'checkout', key: 'POST /pay', level: 'error' });
  add(5, { ruleType: 'app', ruleId: 1, app: 'checkout', key: 'GET /cart', level: 'info' });
  add(3, { ruleType: 'app', ruleId: 1, app: 'checkout', key: null, level: 'warn' });
  add(2, { ruleType: 'app', ruleId: 2, app: 'search', key: 'GET /q', level: null });
  add(2, { ruleType: 'app', ruleId: 2, app: 'search', key: 'GET /cart', level: 'error' });
  rows.push({ ruleType: 'app', ruleId: 2, app: 'search', key: 'GET /q', level: 'error', logTime: NOW - 30 * HOUR });
  return rows;
}

describe.each(drivers)('violation breakdown over $driver', (driver) => {
  let h: StatsHarness;
  const rows = fixture();
  const inRange = rows.filter((r) => r.logTime >= NOW - 24 * HOUR && r.logTime < NOW);
  const range = `from=${iso(NOW - 24 * HOUR)}&to=${iso(NOW)}`;

  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver, { routes: { now: () => NOW } });
    await h.ctx.state.db
      .insertInto('violations')
      .values(
        rows.map((r, i) => ({
          dedupe_key: `breakdown-${i}`,
          source_id: `log-${i}`,
          rule_type: r.ruleType,
          rule_id: r.ruleId,
          app_name: r.app,
          message_key: r.key,
          duration_ms: 1000 + i,
          threshold_ms: 500,
          log_time: r.logTime,
          correlation_id: `c-${i}`,
          level: r.level,
          message: null,
          created_at: r.logTime + 1000,
        })),
      )
      .execute();
  });
  afterAll(async () => h?.close());

  const breakdown = async (query: string) => {
    const { status, body } = await h.get(`/monitor/violation/breakdown?${range}&${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body.data;
  };
  const listTotal = async (query: string) => {
    const { status, body } = await h.get(`/monitor/violation/by-app?${range}&per_page=1&${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body.data.total as number;
  };

  it.skipIf(driver.skipReason)('counts by key, most first, the keyless group last among ties', async () => {
    const data = await breakdown('by=key');
    expect(data.total).toBe(inRange.length);
    expect(data.groups).toBe(4);
    expect(data.items).toEqual([
      { value: 'GET /cart', count: 7 },
      { value: 'POST /pay', count: 7 },
      { value: null, count: 3 },
      { value: 'GET /q', count: 2 },
    ]);
    expect(data.other).toBe(0);
  });

  it.skipIf(driver.skipReason)('by rule names the rule and its app; by level; limit and other', async () => {
    const rules = await breakdown('by=rule');
    expect(rules.items).toEqual([
      { value: null, rule_type: 'app', rule_id: 1, app_name: 'checkout', count: 8 },
      { value: null, rule_type: 'message', rule_id: 4, app_name: 'checkout', message_key: 'POST /pay', count: 7 },
      { value: null, rule_type: 'app', rule_id: 2, app_name: 'search', count: 4 },
    ]);
    const levels = await breakdown('by=level&limit=2');
    expect(levels.items).toEqual([
      { value: 'error', count: 9 },
      { value: 'info', count: 5 },
    ]);
    expect(levels.groups).toBe(4);
    expect(levels.other).toBe(5);
    expect(levels.total).toBe(19);
  });

  it.skipIf(driver.skipReason)('each count equals the list total with that group as a filter', async () => {
    const base = 'app_name=checkout';
    for (const item of (await breakdown(`by=level&${base}`)).items) {
      if (item.value === null) continue;
      expect(await listTotal(`${base}&level=${encodeURIComponent(item.value)}`), item.value).toBe(item.count);
    }
    for (const item of (await breakdown(`by=rule&${base}`)).items) {
      expect(await listTotal(`${base}&rule_type=${item.rule_type}&rule_id=${item.rule_id}`)).toBe(item.count);
    }
    for (const item of (await breakdown('by=key&level=error')).items) {
      const { body } = await h.get(
        `/monitor/violation/by-message?${range}&level=error&message_key=${encodeURIComponent(item.value)}`,
      );
      expect(body.data.total, item.value).toBe(item.count);
      expect(item.count).toBe(inRange.filter((r) => r.level === 'error' && r.key === item.value).length);
    }
    // The histogram takes the level filter too.
    const { body } = await h.get(`/monitor/violation/histogram?${range}&level=warn`);
    expect(body.data.buckets.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(3);
  });

  it.skipIf(driver.skipReason)('a narrower range counts only its violations', async () => {
    const from = NOW - 13 * MINUTE;
    const { status, body } = await h.get(`/monitor/violation/breakdown?by=key&from=${iso(from)}&to=${iso(NOW)}`);
    expect(status).toBe(200);
    expect(body.data.total).toBe(rows.filter((r) => r.logTime >= from && r.logTime < NOW).length);
    expect(body.data.items).toEqual([{ value: 'POST /pay', count: 4 }]);
  });

  it.skipIf(driver.skipReason)('refuses a missing or unknown by, a bad limit, a rule id without its type', async () => {
    for (const query of ['', 'by=app', 'by=key&limit=0', 'by=key&limit=101', 'by=rule&rule_id=3']) {
      const { status, body } = await h.get(`/monitor/violation/breakdown?${range}&${query}`);
      expect([400, 422], query).toContain(status);
      expect(body.status).toBe('error');
    }
  });
});
