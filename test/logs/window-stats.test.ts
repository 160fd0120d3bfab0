import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging/logger.js';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import { planSearches, type WindowFields } from '../../src/logs/elasticsearch/window-stats.js';
import type { LogSource } from '../../src/logs/source.js';
import type { WindowQuery, WindowSeries } from '../../src/logs/window-stats.js';
import { ALL_PERSONAS, EsTestServer, type Persona } from '../support/es-server/index.js';
import { openTempStore, type TempStore } from './embedded/temp-store.js';
import {
  expectedSeries,
  expectSameSeries,
  RANGES,
  T0,
  WINDOW_MAPPING,
  type WindowLog,
  windowDocuments,
  windowLogs,
  windowQueries,
} from './window-data.js';

const logs: WindowLog[] = windowLogs();
const queries = windowQueries();
const HOUR = 3_600_000;

const quietLogger = () =>
  createLogger(
    loadConfig({ LOG_LEVEL: 'warn' }, undefined),
    new Writable({ write: (_chunk, _encoding, done) => done() }),
  );

/** Every query's answer against the brute-force figures, and the checks every source must pass. */
function checkAgainstBruteForce(answers: WindowSeries[][]) {
  expect(answers).toHaveLength(queries.length);
  for (const [i, query] of queries.entries()) {
    expectSameSeries(answers[i]!, expectedSeries(logs, query), query, `query ${i} (${query.app})`);
  }
}

let temp: TempStore;
let embeddedAnswers: WindowSeries[][];

beforeAll(async () => {
  temp = openTempStore();
  const docs = windowDocuments(logs);
  for (let i = 0; i < docs.length; i += 500) temp.store.ingestDocuments(docs.slice(i, i + 500));
  embeddedAnswers = await temp.store.windowStats(queries);
});
afterAll(async () => {
  await temp?.cleanup();
});

describe('window statistics of the embedded store', () => {
  it('match a brute-force computation (percentiles within 1 %, counts exact)', () => {
    checkAgainstBruteForce(embeddedAnswers);
  });

  it('the data set reaches what the tests claim: the cap, ties, straddled thresholds, empty series', () => {
    const byQuery = new Map(queries.map((q, i) => [q, embeddedAnswers[i]!]));
    const find = (predicate: (q: WindowQuery) => boolean) => [...byQuery].find(([q]) => predicate(q))![1];
    // perKey with maxSeries 5 is capped, and the uncapped one lists more keys.
    expect(find((q) => q.app === 'checkout' && q.maxSeries === 5 && q.range === RANGES.ragged)).toHaveLength(5);
    expect(find((q) => q.app === 'checkout' && q.perKey && q.maxSeries === 200).length).toBeGreaterThan(20);
    // Ties by samples are ordered by key; the edge range counts its first log, not the one at its end.
    const edges = find((q) => q.app === 'edges' && q.perKey && q.maxSeries === 200);
    expect(edges.map((s) => [s.messageKey, s.samples, s.value])).toEqual([
      ['edge', 3, 300],
      ['tie-a', 3, 7],
      ['tie-b', 3, 7],
    ]);
    // Logs without duration count in `logs` only.
    expect(find((q) => q.app === 'quiet' && !q.perKey)).toEqual([
      { messageKey: null, logs: 7, samples: 0, value: null, above: 0 },
    ]);
    expect(find((q) => q.app === 'quiet' && q.perKey)).toEqual([
      { messageKey: 'idle', logs: 7, samples: 0, value: null },
    ]);
    expect(find((q) => q.range === RANGES.nothing && !q.perKey)).toEqual([
      { messageKey: null, logs: 0, samples: 0, value: null, above: 0 },
    ]);
    expect(find((q) => q.range === RANGES.nothing && q.perKey)).toEqual([]);
    expect(find((q) => q.range === RANGES.reversed)).toEqual([
      { messageKey: 'key-01', logs: 0, samples: 0, value: null },
    ]);
    expect(find((q) => q.maxSeries === 0)).toEqual([]);
    // Durations at and within 2 % of 100 ms lie in every range's rollup minutes.
    const nearThreshold = logs.filter(
      (l) =>
        l.durationMs !== null &&
        l.durationMs >= 98 &&
        l.durationMs <= 102 &&
        l.time >= RANGES.wholeMinutes.from &&
        l.time < RANGES.wholeMinutes.to,
    );
    expect(nearThreshold.length).toBeGreaterThan(0);
  });

  it('judge by log time when asked for ingest time (the store has none)', async () => {
    const late = { app: 'late', messageKey: null, perKey: false, maxSeries: 1, statistic: 'max' } as const;
    const [byLogTime, byIngest] = await temp.store.windowStats([
      { ...late, range: { from: T0 + HOUR, to: T0 + 2 * HOUR } },
      { ...late, range: { from: T0 + HOUR, to: T0 + 2 * HOUR }, byIngestTime: true },
    ]);
    expect(byLogTime).toEqual([{ messageKey: null, logs: 5, samples: 5, value: 44 }]);
    expect(byIngest).toEqual(byLogTime);
  });

  it('refuses a malformed query with a RangeError naming the problem', async () => {
    const query: WindowQuery = {
      app: 'checkout',
      messageKey: null,
      perKey: false,
      maxSeries: 1,
      range: RANGES.ragged,
      statistic: 'slow_ratio',
    };
    await expect(temp.store.windowStats([query])).rejects.toThrow(/slow_ratio needs slowMs/);
    await expect(temp.store.windowStats([{ ...query, statistic: 'p95', maxSeries: -1 }])).rejects.toThrow(
      /maxSeries must be a non-negative integer/,
    );
    await expect(temp.store.windowStats([{ ...query, statistic: 'p42' as 'p95' }])).rejects.toThrow(
      /unknown statistic p42/,
    );
  });
});

describe.each(ALL_PERSONAS.map((p) => [p.name, p] as const))(
  'window statistics of %s (stand-in)',
  (_name, persona: Persona) => {
    let es: EsTestServer;
    let source: LogSource;
    let ingestSource: LogSource;

    beforeAll(async () => {
      es = await EsTestServer.start({ persona });
      es.createIndex('logs-2026.01.10', { ...WINDOW_MAPPING });
      es.addDocuments('logs-2026.01.10', windowDocuments(logs));
      const env = { LOG_SOURCE: 'elasticsearch', ELASTICSEARCH_HOST: es.url, ELASTICSEARCH_INDEX_PREFIX: 'logs-' };
      source = await ElasticsearchLogSource.open(loadConfig(env, undefined), quietLogger());
      ingestSource = await ElasticsearchLogSource.open(
        loadConfig({ ...env, FIELD_INGESTED: 'ingested' }, undefined),
        quietLogger(),
      );
    });
    afterAll(async () => {
      await source?.close();
      await ingestSource?.close();
      await es?.close();
    });

    it('answers every query as the brute-force computation and the embedded store, one search per window', async () => {
      const before = es.requests.filter((r) => r.path.endsWith('/_search')).length;
      const answers = await source.windowStats(queries);
      checkAgainstBruteForce(answers);
      for (const [i, query] of queries.entries()) {
        expectSameSeries(answers[i]!, embeddedAnswers[i]!, query, `query ${i} against the embedded store`);
      }
      const searches = es.requests.filter((r) => r.path.endsWith('/_search')).length - before;
      // Queries over one window share a search; empty ranges and maxSeries 0 need none.
      const windows = new Set(
        queries
          .filter((q) => q.range.to > q.range.from && !(q.perKey && q.maxSeries === 0))
          .map((q) => `${q.range.from}:${q.range.to}`),
      );
      expect(windows.size).toBe(5);
      expect(searches).toBe(windows.size);
    });

    it('judges by FIELD_INGESTED when asked for ingest time, else by log time', async () => {
      const late = { app: 'late', messageKey: null, perKey: false, maxSeries: 1, statistic: 'max' } as const;
      const ingestWindow = { from: T0 + 2 * HOUR, to: T0 + 3 * HOUR };
      const [byLogTime, byIngest, withoutField] = await Promise.all([
        ingestSource.windowStats([{ ...late, range: ingestWindow }]),
        ingestSource.windowStats([{ ...late, range: ingestWindow, byIngestTime: true }]),
        source.windowStats([{ ...late, range: ingestWindow, byIngestTime: true }]),
      ]);
      expect(byLogTime).toEqual([[{ messageKey: null, logs: 0, samples: 0, value: null }]]);
      expect(byIngest).toEqual([[{ messageKey: null, logs: 5, samples: 5, value: 44 }]]);
      expect(withoutField).toEqual(byLogTime);
      // Logs without the field count by their own time.
      const checkout = await ingestSource.windowStats([{ ...queries[0]!, byIngestTime: true }]);
      expectSameSeries(checkout[0]!, embeddedAnswers[0]!, queries[0]!, 'by ingest time, no ingest field');
    });

    it('refuses partial results (failed shards)', async () => {
      es.failShardsNext(1, /_search$/);
      await expect(source.windowStats([queries[0]!])).rejects.toThrow(/shards failed/);
    });
  },
);

describe('searches planned for window queries (Elasticsearch/OpenSearch)', () => {
  const fields: WindowFields = {
    timestamp: '@timestamp',
    ingested: 'ingested',
    duration: 'duration',
    unit: 'ms',
    app: { field: 'app_name' },
    messageKey: { field: 'message_key' },
    rounding: 'nearest-rank',
  };
  const rule = (app: string, range = RANGES.fiveMinutes, extra: Partial<WindowQuery> = {}): WindowQuery => ({
    app,
    messageKey: null,
    perKey: true,
    maxSeries: 200,
    range,
    statistic: 'p95',
    ...extra,
  });

  it('one search per window and time field, in order, skipping queries that need none', () => {
    const queries = [
      rule('a'),
      rule('b', RANGES.ragged),
      rule('c'),
      rule('d', RANGES.fiveMinutes, { byIngestTime: true }),
      rule('e', RANGES.reversed),
      rule('f', RANGES.ragged, { maxSeries: 0 }),
    ];
    expect(planSearches(fields, queries)).toEqual([[0, 2], [1], [3]]);
    // Without FIELD_INGESTED, ingest time is log time: one search.
    expect(planSearches({ ...fields, ingested: undefined }, queries)).toEqual([[0, 2, 3], [1]]);
  });

  it('splits a window into several searches past 100 queries or 20,000 buckets', () => {
    const many = Array.from({ length: 250 }, (_, i) => rule(`app-${i}`, RANGES.fiveMinutes, { perKey: false }));
    expect(planSearches(fields, many).map((s) => s.length)).toEqual([100, 100, 50]);
    // 201 terms buckets and one filter bucket per per-key query: 99 of them fit in 20,000.
    const wide = Array.from({ length: 120 }, (_, i) => rule(`app-${i}`));
    expect(planSearches(fields, wide).map((s) => s.length)).toEqual([99, 21]);
  });
});
