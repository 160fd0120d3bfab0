import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { createLogger } from '../../../../src/logging/logger.js';
import { ElasticsearchLogSource } from '../../../../src/logs/elasticsearch/source.js';
import { openTempStore, type TempStore } from '../../../logs/embedded/temp-store.js';
import { ALL_PERSONAS, EsTestServer } from '../../../support/es-server/index.js';
import { expectExactFigures, lateLogs, sloDocuments, sloLogs } from './slo-data.js';

const MAPPING = { '@timestamp': 'date', app_name: 'keyword', message_key: 'keyword', duration: 'double' } as const;

describe('slo status and history of the embedded store', () => {
  let temp: TempStore;
  beforeAll(() => {
    temp = openTempStore();
    expect(temp.store.ingestDocuments(sloDocuments(sloLogs())).rejected).toBe(0);
  });
  afterAll(async () => {
    await temp?.cleanup();
  });

  it('are exact on hand-computed data (period edges, duration == threshold, no duration), late logs counted', async () => {
    await expectExactFigures(
      (queries) => temp.store.windowStats(queries),
      async () => {
        temp.store.ingestDocuments(sloDocuments(lateLogs()));
      },
    );
  });
});

describe.each(ALL_PERSONAS.map((p) => [p.name, p] as const))(
  'slo status and history of %s (stand-in)',
  (_n, persona) => {
    let es: EsTestServer;
    let source: ElasticsearchLogSource;
    beforeAll(async () => {
      es = await EsTestServer.start({ persona });
      es.createIndex('logs-a', { ...MAPPING });
      es.addDocuments('logs-a', sloDocuments(sloLogs()));
      const config = loadConfig(
        {
          LOG_LEVEL: 'warn',
          LOG_SOURCE: 'elasticsearch',
          ELASTICSEARCH_HOST: es.url,
          ELASTICSEARCH_INDEX_PREFIX: 'logs-',
        },
        undefined,
      );
      source = await ElasticsearchLogSource.open(
        config,
        createLogger(config, new Writable({ write: (_c, _e, done) => done() })),
      );
    });
    afterAll(async () => {
      await source?.close();
      await es?.close();
    });

    it('equal the embedded store: exact counts, late logs counted', async () => {
      await expectExactFigures(
        (queries) => source.windowStats(queries),
        async () => {
          es.addDocuments('logs-a', sloDocuments(lateLogs()));
        },
      );
    });
  },
);
