import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driversUnderTest } from '../support/databases.js';
import { type StatsHarness, statsHarness } from './support.js';

describe('the stats routes in the OpenAPI document', () => {
  let h: StatsHarness;
  beforeAll(async () => {
    h = await statsHarness(driversUnderTest().find((d) => d.driver === 'sqlite')!);
  });
  afterAll(async () => h?.close());

  it('lists every route with its query parameters and answers', async () => {
    const { status, body } = await h.get('/docs/json');
    expect(status).toBe(200);
    const paths = body.paths as Record<string, { get: { parameters?: { name: string }[]; responses: object } }>;
    const expected: Record<string, string[]> = {
      '/dashboard/overview': ['from', 'to', 'app_name', 'apps_limit'],
      '/dashboard/timeseries': ['from', 'to', 'interval', 'app_name'],
      '/dashboard/apps': ['from', 'to', 'sort', 'page', 'per_page'],
      '/monitor/server': [],
      '/monitor/trace': ['correlation_id', 'limit'],
      '/monitor/traces/slowest': ['from', 'to', 'app_name', 'limit'],
      '/monitor/violation/by-app': [
        'app_name',
        'rule_type',
        'rule_id',
        'ids',
        'level',
        'sort',
        'from',
        'to',
        'page',
        'per_page',
      ],
      '/monitor/violation/by-message': [
        'message_key',
        'key_match',
        'app_name',
        'rule_type',
        'rule_id',
        'ids',
        'level',
        'sort',
        'from',
        'to',
        'page',
        'per_page',
      ],
      '/monitor/violation/histogram': [
        'app_name',
        'message_key',
        'key_match',
        'rule_type',
        'rule_id',
        'ids',
        'level',
        'from',
        'to',
        'interval',
      ],
      '/monitor/violation/breakdown': [
        'by',
        'app_name',
        'message_key',
        'key_match',
        'rule_type',
        'rule_id',
        'ids',
        'level',
        'from',
        'to',
        'limit',
      ],
      '/monitor/dashboard-settings': [],
      '/events': [],
      '/rules': ['page', 'per_page', 'kind', 'app_name', 'is_active'],
      '/rules/latency': ['page', 'per_page', 'app_name', 'message_key', 'is_active'],
      '/rules/latency/{id}': ['id'],
      '/rules/absence': ['page', 'per_page', 'app_name', 'message_key', 'is_active'],
      '/rules/absence/{id}': ['id'],
      '/incidents': ['page', 'per_page', 'state', 'rule_type', 'rule_id', 'app_name'],
      '/incidents/{id}': ['id'],
    };
    for (const [path, parameters] of Object.entries(expected)) {
      expect(paths[path], path).toBeDefined();
      expect((paths[path].get.parameters ?? []).map((p) => p.name).sort(), path).toEqual([...parameters].sort());
    }
    const writes = body.paths as Record<string, Record<string, unknown>>;
    for (const kind of ['latency', 'absence']) {
      expect(Object.keys(writes[`/rules/${kind}`] ?? {}).sort(), kind).toEqual(['get', 'post']);
      expect(Object.keys(writes[`/rules/${kind}/{id}`] ?? {}).sort(), kind).toEqual(['delete', 'get', 'put']);
      expect(Object.keys(writes[`/rules/${kind}/preview`] ?? {}), kind).toEqual(['post']);
    }
    expect(Object.keys(paths['/dashboard/overview'].get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '422', '503']),
    );
  });
});
