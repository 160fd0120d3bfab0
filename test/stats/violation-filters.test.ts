import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { HOUR, T0, type TestViolation } from './dataset.js';
import { insertViolations, iso, type StatsHarness, statsHarness } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'stats/violation-filters');

const NOW = T0 + 6 * HOUR;
const MINUTE = 60_000;

/** Keys full of each driver's wildcards (LIKE's % _ and the escape !, GLOB's * ? [), and case twins. */
const KEYS = [
  'GET /a_b',
  'GET /axb',
  'GET /a%b',
  'GET /A_B',
  'GET /a!b',
  'x*y',
  'xzy',
  'x?y',
  'x[1]y',
  'x1y',
  'back\\slash',
  'ünïcode/Ä',
  'plain',
];

function fixture(): TestViolation[] {
  const out: TestViolation[] = [];
  let n = 0;
  for (const [k, key] of KEYS.entries()) {
    for (let i = 0; i < 3; i++) {
      n++;
      out.push({
        ruleType: k % 2 === 0 ? 'message' : 'app',
        ruleId: k % 2 === 0 ? 40 + k : 3,
        app: k < 7 ? 'checkout' : 'search',
        messageKey: key,
        // Durations not in time order and all different, so each sort has one right answer.
        durationMs: 1000 + ((n * 37) % 53) * 10,
        thresholdMs: 500,
        logTime: NOW - (n * 7 + k) * MINUTE,
        correlationId: `c-${n}`,
      });
    }
  }
  return out;
}

describe.each(drivers)('violation list filters, sort and histogram over $driver', (driver) => {
  let h: StatsHarness;
  const rows = fixture();
  const inRange = rows.filter((v) => v.logTime >= NOW - 24 * HOUR && v.logTime < NOW);
  const range = `from=${iso(NOW - 24 * HOUR)}&to=${iso(NOW)}`;

  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver, { routes: { now: () => NOW } });
    await insertViolations(h.ctx, rows);
  });
  afterAll(async () => h?.close());

  const keysOf = (items: { message_key: string }[]) => [...new Set(items.map((i) => i.message_key))].sort();
  const list = async (query: string) => {
    const { status, body } = await h.get(`/monitor/violation/by-message?${range}&per_page=200&${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body.data;
  };

  it.skipIf(driver.skipReason)('key_match prefix and contains treat wildcards as text, case-sensitive', async () => {
    const cases: [string, 'exact' | 'prefix' | 'contains'][] = [
      ['GET /a_', 'prefix'],
      ['GET /a%', 'prefix'],
      ['GET /a!', 'prefix'],
      ['a_b', 'contains'],
      ['%', 'contains'],
      ['!', 'contains'],
      ['*', 'contains'],
      ['?', 'contains'],
      ['[1]', 'contains'],
      ['x[', 'prefix'],
      ['\\', 'contains'],
      ['Ä', 'contains'],
      ['GET /a', 'prefix'],
      ['A_B', 'contains'],
      ['GET /a_b', 'exact'],
      ['x*y', 'exact'],
    ];
    for (const [text, match] of cases) {
      const expected = KEYS.filter((k) =>
        match === 'exact' ? k === text : match === 'prefix' ? k.startsWith(text) : k.includes(text),
      ).sort();
      expect(expected.length, `${match} ${text} must match something`).toBeGreaterThan(0);
      const data = await list(`message_key=${encodeURIComponent(text)}&key_match=${match}`);
      expect(keysOf(data.items), `${match} ${text}`).toEqual(expected);
      expect(data.total).toBe(inRange.filter((v) => expected.includes(v.messageKey as string)).length);
    }
    // Exact is the default.
    expect(keysOf((await list('message_key=GET%20%2Fa')).items)).toEqual([]);
  });

  it.skipIf(driver.skipReason)('a rule filter lists exactly the violations that rule decided', async () => {
    for (const [type, id] of [
      ['app', 3],
      ['message', 40],
      ['message', 46],
    ] as const) {
      const { status, body } = await h.get(
        `/monitor/violation/by-app?${range}&per_page=200&rule_type=${type}&rule_id=${id}`,
      );
      expect(status).toBe(200);
      const expected = inRange.filter((v) => v.ruleType === type && v.ruleId === id);
      expect(expected.length).toBeGreaterThan(0);
      expect(body.data.total).toBe(expected.length);
      expect(body.data.items.map((i: { correlation_id: string }) => i.correlation_id).sort()).toEqual(
        expected.map((v) => v.correlationId).sort(),
      );
      expect(body.data.totals.rules).toEqual([
        expect.objectContaining({ rule_type: type, rule_id: id, count: expected.length }),
      ]);
    }
    // With the message key filter too.
    const data = await list('message_key=GET&key_match=prefix&rule_type=app&rule_id=3');
    expect(keysOf(data.items)).toEqual(['GET /A_B', 'GET /axb']);
  });

  it.skipIf(driver.skipReason)('sorts by time and duration through every page, newest first by default', async () => {
    const byTime = (a: TestViolation, b: TestViolation) => a.logTime - b.logTime;
    const orders: Record<string, TestViolation[]> = {
      '': [...inRange].sort(byTime).reverse(),
      '-time': [...inRange].sort(byTime).reverse(),
      time: [...inRange].sort(byTime),
      duration: [...inRange].sort((a, b) => a.durationMs - b.durationMs || byTime(a, b)),
      '-duration': [...inRange].sort((a, b) => b.durationMs - a.durationMs || byTime(b, a)),
    };
    for (const [sort, expected] of Object.entries(orders)) {
      const seen: string[] = [];
      for (let page = 1; page <= Math.ceil(inRange.length / 7); page++) {
        const { status, body } = await h.get(
          `/monitor/violation/by-app?${range}&per_page=7&page=${page}${sort ? `&sort=${sort}` : ''}`,
        );
        expect(status).toBe(200);
        seen.push(...body.data.items.map((i: { correlation_id: string }) => i.correlation_id));
      }
      expect(seen, `sort=${sort}`).toEqual(expected.map((v) => v.correlationId));
    }
    const byKey = await list('message_key=x&key_match=prefix&sort=duration');
    const durations = byKey.items.map((i: { duration_ms: number }) => i.duration_ms);
    expect(durations).toEqual([...durations].sort((a, b) => a - b));
  });

  it.skipIf(driver.skipReason)('histogram: violations of the filter per bucket, every bucket listed', async () => {
    const { status, body } = await h.get(
      `/monitor/violation/histogram?from=${iso(NOW - 6 * HOUR)}&to=${iso(NOW)}&interval=30m&app_name=checkout`,
    );
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ interval: '30m', interval_ms: 30 * MINUTE, from: iso(NOW - 6 * HOUR) });
    expect(body.data.buckets).toHaveLength(12);
    const expected = body.data.buckets.map((b: { time: string }) => {
      const start = Date.parse(b.time);
      return rows.filter(
        (v) =>
          v.app === 'checkout' && v.logTime >= start && v.logTime < start + 30 * MINUTE && v.logTime >= NOW - 6 * HOUR,
      ).length;
    });
    expect(body.data.buckets.map((b: { count: number }) => b.count)).toEqual(expected);
    expect(expected.reduce((s: number, n: number) => s + n, 0)).toBeGreaterThan(5);

    // The same filters as the list: a rule and a key search; the interval is chosen when omitted.
    const ruled = await h.get(
      `/monitor/violation/histogram?${range}&rule_type=app&rule_id=3&message_key=GET&key_match=prefix`,
    );
    expect(ruled.status).toBe(200);
    const total = ruled.body.data.buckets.reduce((s: number, b: { count: number }) => s + b.count, 0);
    expect(total).toBe(inRange.filter((v) => v.ruleId === 3 && v.messageKey?.startsWith('GET')).length);
    expect(ruled.body.data.buckets.length).toBeLessThanOrEqual(300);
  });

  it.skipIf(driver.skipReason)('refuses bad parameters naming the field', async () => {
    const half = await h.get(`/monitor/violation/by-app?${range}&rule_type=app`);
    expect(half.status).toBe(422);
    expect(half.body.error.details).toEqual([expect.objectContaining({ field: 'rule_id' })]);
    const id = await h.get(`/monitor/violation/histogram?${range}&rule_id=3`);
    expect(id.status).toBe(422);
    expect(id.body.error.details).toEqual([expect.objectContaining({ field: 'rule_type' })]);
    for (const bad of ['sort=size', 'rule_type=other&rule_id=1', 'rule_id=0&rule_type=app']) {
      const answer = await h.get(`/monitor/violation/by-app?${range}&${bad}`);
      expect(answer.status, bad).toBe(400);
    }
    const match = await h.get(`/monitor/violation/by-message?${range}&message_key=x&key_match=regex`);
    expect(match.status).toBe(400);
    const interval = await h.get(`/monitor/violation/histogram?${range}&interval=1s`);
    expect(interval.status).toBe(422);
    expect(interval.body.error.details).toEqual([expect.objectContaining({ field: 'interval' })]);
  });

  it.skipIf(driver.skipReason)('dashboard settings name the longest range the endpoints accept', async () => {
    const { status, body } = await h.get('/monitor/dashboard-settings');
    expect(status).toBe(200);
    expect(body.data).toEqual({ dashboard_max_days: h.ctx.config.dashboardMaxDays });
    const over = await h.get(
      `/monitor/violation/by-app?from=${iso(NOW - (h.ctx.config.dashboardMaxDays + 1) * 24 * HOUR)}&to=${iso(NOW)}`,
    );
    expect(over.status).toBe(422);
  });
});
