import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import { capturingLogger } from '../logs/elasticsearch/helpers.js';
import { expectExactFigures, lateLogs, sloDocuments, sloLogs } from '../rules/kinds/slo/slo-data.js';
import { ClusterAdmin, liveServers } from './real-cluster.js';

/**
 * SLO status and history on real servers: the hand-computed figures, exact, as on the embedded
 * store. Half the documents in a dynamically mapped index (a long duration), half in a typed one
 * (a double duration, two shards); late logs land in the typed one.
 */
const servers = liveServers();

if (servers.length === 0) {
  describe('slo figures on real search servers', () => {
    it.skip('need TEST_SEARCH_SERVERS=flavor=url,... (npm run -s search:start -- <flavor> <port>)');
  });
}

describe.each(servers.map((s) => [s.flavor, s] as const))('slo figures on real %s', (_flavor, server) => {
  const prefix = `lwslo-${randomBytes(3).toString('hex')}-`;
  const typed = `${prefix}typed`;
  let admin: ClusterAdmin;
  let source: ElasticsearchLogSource;

  beforeAll(async () => {
    admin = await ClusterAdmin.connect(server.url);
    const dynamic = `${prefix}dynamic`;
    await admin.createIndex(dynamic);
    await admin.createIndex(typed, {
      settings: { number_of_shards: 2, number_of_replicas: 0 },
      mappings: {
        properties: {
          '@timestamp': { type: 'date' },
          app_name: { type: 'keyword' },
          message_key: { type: 'keyword' },
          duration: { type: 'double' },
        },
      },
    });
    const documents = sloDocuments(sloLogs());
    await admin.bulk(
      dynamic,
      documents.filter((_, i) => i % 2 === 0),
    );
    await admin.bulk(
      typed,
      documents.filter((_, i) => i % 2 === 1),
    );
    const env = {
      LOG_LEVEL: 'silent',
      LOG_SOURCE: 'elasticsearch',
      ELASTICSEARCH_HOST: server.url,
      ELASTICSEARCH_INDEX_PREFIX: prefix,
      ELASTICSEARCH_TIMEOUT_MS: '30000',
    };
    source = await ElasticsearchLogSource.open(loadConfig(env, undefined), capturingLogger().logger);
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await admin?.remove({ indices: [`${prefix}*`], dataStreams: [], templates: [] });
    await admin?.close();
  });

  it('are exact on hand-computed data (period edges, duration == threshold, no duration), late logs counted', async () => {
    await expectExactFigures(
      (queries) => source.windowStats(queries),
      async () => {
        await admin.bulk(typed, sloDocuments(lateLogs()));
      },
    );
  });
});
