import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import { APP_SORT_COLUMNS } from '../../src/stats/app-sort.js';
import { announceSkips, driversUnderTest } from '../support/databases.js';
import { ALL_PERSONAS, EsTestServer } from '../support/es-server/index.js';
import { documentsOf, generateLogs, HOUR, T0, type TestLog, type TestViolation, violationsOf } from './dataset.js';
import { insertViolations, iso, type StatsHarness, statsHarness } from './support.js';

const drivers = driversUnderTest();
announceSkips(drivers, 'stats/apps-sort');

// The dashboard data set (three apps), plus apps that make every column order differ:
// many fast logs, few slow ones, logs without durations, and violations without logs.
const logs: TestLog[] = generateLogs(1_200, 3);
const extra = (app: string, n: number, durationMs: number | null, step = 1) => {
  for (let i = 0; i < n; i++) {
    logs.push({
      time: T0 + HOUR + i * 1_000,
      app,
      messageKey: 'work',
      durationMs: durationMs === null ? null : durationMs + i * step,
      level: 'info',
      correlationId: null,
    });
  }
};
extra('alpha-fast', 900, 2);
extra('beta-slow', 12, 4_000, 300);
extra('gamma-untimed', 40, null);
const violations: TestViolation[] = violationsOf(logs);
for (let i = 0; i < 5; i++) {
  violations.push({
    ruleType: 'app',
    ruleId: 99,
    app: 'zeta-retired', // its logs are gone from the source (retention)
    messageKey: null,
    durationMs: 5_000,
    thresholdMs: 100,
    logTime: T0 + HOUR + i,
    correlationId: null,
  });
}
for (let i = 0; i < 3; i++) {
  violations.push({
    ruleType: 'app',
    ruleId: 98,
    app: 'beta-slow',
    messageKey: 'work',
    durationMs: 6_000,
    thresholdMs: 5_000,
    logTime: T0 + HOUR + i,
    correlationId: null,
  });
}
const range = `from=${iso(T0)}&to=${iso(T0 + 6 * HOUR)}`;

type App = Record<string, unknown> & { app_name: string };

/** The order the API promises, written out independently: values ascending or descending, no value last, ties by name. */
function expectedOrder(apps: App[], sort: string): string[] {
  const descending = sort.startsWith('-');
  const column = descending ? sort.slice(1) : sort;
  const sorted = [...apps].sort((x, y) => {
    if (column === 'app_name') return (descending ? -1 : 1) * x.app_name.localeCompare(y.app_name);
    const a = x[column] as number | null;
    const b = y[column] as number | null;
    if (a === null && b === null) return x.app_name.localeCompare(y.app_name);
    if (a === null) return 1;
    if (b === null) return -1;
    if (a !== b) return descending ? b - a : a - b;
    return x.app_name.localeCompare(y.app_name);
  });
  return sorted.map((a) => a.app_name);
}

const SORTS = APP_SORT_COLUMNS.flatMap((c) => [c, `-${c}`]);

async function checkEverySort(h: StatsHarness) {
  const plain = await h.get(`/dashboard/apps?${range}`);
  expect(plain.status).toBe(200);
  const apps: App[] = plain.body.data.apps;
  expect(apps.map((a) => a.app_name).sort()).toEqual([
    'alpha-fast',
    'auth',
    'beta-slow',
    'checkout',
    'gamma-untimed',
    'search',
    'zeta-retired',
  ]);
  const orders = new Set<string>();
  for (const sort of SORTS) {
    const { status, body } = await h.get(`/dashboard/apps?${range}&sort=${encodeURIComponent(sort)}`);
    expect(status, JSON.stringify(body)).toBe(200);
    const names = body.data.apps.map((a: App) => a.app_name);
    expect(names, sort).toEqual(expectedOrder(apps, sort));
    // Same figures, only reordered.
    expect([...body.data.apps].sort((a: App, b: App) => a.app_name.localeCompare(b.app_name))).toEqual(
      [...apps].sort((a, b) => a.app_name.localeCompare(b.app_name)),
    );
    orders.add(names.join(','));
  }
  // The data set makes the columns disagree: a sort that ignored its column would show here.
  expect(orders.size).toBeGreaterThanOrEqual(12);
}

describe.each(drivers)('/dashboard/apps sort over $driver (embedded store)', (driver) => {
  let h: StatsHarness;
  beforeAll(async () => {
    if (driver.skipReason) return;
    h = await statsHarness(driver);
    h.store.ingestDocuments(documentsOf(logs));
    await insertViolations(h.ctx, violations);
  });
  afterAll(async () => h?.close());

  it.skipIf(driver.skipReason)('orders every app by each figure, both ways', async () => {
    await checkEverySort(h);
  });

  it.skipIf(driver.skipReason)('keeps the default order without sort', async () => {
    const { body } = await h.get(`/dashboard/apps?${range}`);
    const counts = body.data.apps.map((a: App) => a.violations as number);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it.skipIf(driver.skipReason)('refuses an unknown sort with 400 naming sort', async () => {
    for (const sort of ['duration', '--logs', 'logs,-p95_ms', '']) {
      const { status, body } = await h.get(`/dashboard/apps?${range}&sort=${encodeURIComponent(sort)}`);
      expect(status, sort).toBe(400);
      expect(JSON.stringify(body.error), sort).toContain('sort');
    }
  });
});

describe('/dashboard/apps sort from Elasticsearch', () => {
  const sqlite = drivers.find((d) => d.driver === 'sqlite')!;
  let es: EsTestServer;
  let h: StatsHarness;
  beforeAll(async () => {
    es = await EsTestServer.start({ persona: ALL_PERSONAS[0]! });
    es.createIndex('logs-2026.01.10', {
      '@timestamp': 'date',
      app_name: 'keyword',
      message_key: 'keyword',
      duration: 'double',
      correlation_id: 'keyword',
      level: 'keyword',
      message: 'text',
    });
    es.addDocuments('logs-2026.01.10', documentsOf(logs));
    h = await statsHarness(sqlite, {
      env: { LOG_SOURCE: 'elasticsearch', ELASTICSEARCH_HOST: es.url, ELASTICSEARCH_INDEX_PREFIX: 'logs-' },
      logSource: (config, logger) => ElasticsearchLogSource.open(config, logger),
    });
    await insertViolations(h.ctx, violations);
  });
  afterAll(async () => {
    await h?.close();
    await es?.close();
  });

  it('orders every app by each figure, both ways', async () => {
    await checkEverySort(h);
  });
});
