import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import type { EmbeddedLogStore } from '../../src/logs/embedded/embedded-log-store.js';
import type { WindowSeries } from '../../src/logs/window-stats.js';
import { capturingLogger } from '../logs/elasticsearch/helpers.js';
import { openTempStore, type TempStore } from '../logs/embedded/temp-store.js';
import {
  expectedSeries,
  expectSameSeries,
  T0,
  type WindowLog,
  windowDocuments,
  windowLogs,
  windowQueries,
} from '../logs/window-data.js';
import { ClusterAdmin, liveServers } from './real-cluster.js';

/**
 * Window statistics on real servers equal the embedded store's on the same data (percentiles
 * within 1 %, everything else exact): one index dynamically mapped (text + .keyword, a long
 * duration), one templated (keyword fields, a double duration, two shards), so per-key terms run
 * over mixed mappings and across shards.
 */
const servers = liveServers();
const HOUR = 3_600_000;

/** Integer durations: exact in a dynamically mapped `long`. */
const logs: WindowLog[] = windowLogs(2_000, 5).map((l) => ({
  ...l,
  durationMs: l.durationMs === null ? null : Math.round(l.durationMs),
}));
const documents = windowDocuments(logs);
const queries = windowQueries();

if (servers.length === 0) {
  describe('window statistics on real search servers', () => {
    it.skip('need TEST_SEARCH_SERVERS=flavor=url,... (npm run -s search:start -- <flavor> <port>)');
  });
}

describe.each(servers.map((s) => [s.flavor, s] as const))('window statistics on real %s', (_flavor, server) => {
  const prefix = `lww-${randomBytes(3).toString('hex')}-`;
  let admin: ClusterAdmin;
  let temp: TempStore;
  let embedded: EmbeddedLogStore;
  let source: ElasticsearchLogSource;
  let ingestSource: ElasticsearchLogSource;
  const env = (extra: Record<string, string> = {}) => ({
    LOG_LEVEL: 'silent',
    LOG_SOURCE: 'elasticsearch',
    ELASTICSEARCH_HOST: server.url,
    ELASTICSEARCH_INDEX_PREFIX: prefix,
    ELASTICSEARCH_TIMEOUT_MS: '30000',
    ...extra,
  });

  beforeAll(async () => {
    admin = await ClusterAdmin.connect(server.url);
    const dynamic = `${prefix}dynamic-2026.01.10`;
    const typed = `${prefix}typed-2026.01.10`;
    await admin.createIndex(dynamic);
    await admin.createIndex(typed, {
      settings: { number_of_shards: 2, number_of_replicas: 0 },
      mappings: {
        properties: {
          '@timestamp': { type: 'date' },
          ingested: { type: 'date' },
          app_name: { type: 'keyword' },
          message_key: { type: 'keyword' },
          duration: { type: 'double' },
          level: { type: 'keyword' },
          message: { type: 'text' },
        },
      },
    });
    await admin.bulk(
      dynamic,
      documents.filter((_, i) => i % 2 === 0),
    );
    await admin.bulk(
      typed,
      documents.filter((_, i) => i % 2 === 1),
    );
    temp = openTempStore();
    embedded = temp.store;
    embedded.ingestDocuments(documents);
    source = await ElasticsearchLogSource.open(loadConfig(env(), undefined), capturingLogger().logger);
    ingestSource = await ElasticsearchLogSource.open(
      loadConfig(env({ FIELD_INGESTED: 'ingested' }), undefined),
      capturingLogger().logger,
    );
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await ingestSource?.close();
    await temp?.cleanup();
    await admin?.remove({ indices: [`${prefix}*`], dataStreams: [], templates: [] });
    await admin?.close();
  });

  it('every query answers as the embedded store and the brute-force computation', async () => {
    const [fromServer, fromEmbedded] = await Promise.all([source.windowStats(queries), embedded.windowStats(queries)]);
    for (const [i, query] of queries.entries()) {
      const what = `query ${i} (${query.app}, ${query.statistic}${query.perKey ? ', per key' : ''})`;
      expectSameSeries(fromServer[i]!, fromEmbedded[i]!, query, `${what} against the embedded store`);
      expectSameSeries(fromServer[i]!, expectedSeries(logs, query), query, `${what} against brute force`);
    }
    const perKey = fromServer.flat().filter((s: WindowSeries) => s.messageKey?.startsWith('key-'));
    expect(perKey.length).toBeGreaterThan(20);
  });

  it('by ingest time with FIELD_INGESTED', async () => {
    const late = { app: 'late', messageKey: null, perKey: false, maxSeries: 1, statistic: 'max' } as const;
    const range = { from: T0 + 2 * HOUR, to: T0 + 3 * HOUR };
    expect(await ingestSource.windowStats([{ ...late, range, byIngestTime: true }])).toEqual([
      [{ messageKey: null, logs: 5, samples: 5, value: 44 }],
    ]);
    expect(await ingestSource.windowStats([{ ...late, range }])).toEqual([
      [{ messageKey: null, logs: 0, samples: 0, value: null }],
    ]);
  });
});
