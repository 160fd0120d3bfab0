import { describe, expect, it } from 'vitest';
import { candidateQuery, MAX_THRESHOLD_GROUPS, thresholdGroups } from '../../../src/logs/elasticsearch/queries.js';

/** Boolean clauses as Lucene 9 counts them over a whole query: every query node below a bool. */
function clauses(query: unknown): number {
  if (Array.isArray(query)) return query.reduce((sum: number, q) => sum + clauses(q), 0);
  if (query === null || typeof query !== 'object') return 0;
  const bool = (query as { bool?: Record<string, unknown> }).bool;
  if (!bool) return 1;
  let count = 1;
  for (const key of ['filter', 'must', 'should', 'must_not']) {
    const part = bool[key];
    if (part !== undefined) count += clauses(Array.isArray(part) ? part : [part]);
  }
  return count;
}

const fields = { timestamp: '@timestamp', app: { field: 'app_name' }, duration: 'duration', unit: 'ms' as const };

describe('candidate query', () => {
  it('keeps one group per distinct threshold while they fit', () => {
    const groups = thresholdGroups(
      new Map([
        ['a', 100],
        ['b', 100],
        ['c', 250],
      ]),
    );
    expect(groups).toEqual([
      { minMs: 100, apps: ['a', 'b'] },
      { minMs: 250, apps: ['c'] },
    ]);
  });

  it('fits any number of distinct thresholds under the clause limit, each app once, never above its threshold', () => {
    for (const count of [MAX_THRESHOLD_GROUPS + 1, 600, 2_000, 20_000]) {
      const thresholds = new Map<string, number>(Array.from({ length: count }, (_, i) => [`app-${i}`, 50 + i * 7]));
      const groups = thresholdGroups(thresholds);
      expect(groups.length).toBeLessThanOrEqual(MAX_THRESHOLD_GROUPS);
      const seen = groups.flatMap((g) => g.apps);
      expect(seen.sort()).toEqual([...thresholds.keys()].sort());
      let widest = 1;
      for (const group of groups) {
        for (const app of group.apps) {
          expect(thresholds.get(app)!).toBeGreaterThanOrEqual(group.minMs);
          widest = Math.max(widest, thresholds.get(app)! / group.minMs);
        }
      }
      // Evenly spread thresholds: each group spans only a few percent of its lowest.
      if (count <= 2_000) expect(widest).toBeLessThan(1.12);
      const query = candidateQuery(fields, { from: 0, to: 1 }, thresholds);
      expect(clauses(query)).toBeLessThan(1024 - 300);
    }
  });

  it('groups clustered thresholds tightly and far-apart ones apart', () => {
    const thresholds = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) thresholds.set(`fast-${i}`, 100 + i / 100);
    for (let i = 0; i < 1_000; i++) thresholds.set(`slow-${i}`, 10_000 + i);
    const groups = thresholdGroups(thresholds);
    for (const group of groups) {
      const kinds = new Set(group.apps.map((a) => a.split('-')[0]));
      expect(kinds.size).toBe(1);
    }
  });
});
