import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { createLogger } from '../../../../src/logging/logger.js';
import { ElasticsearchLogSource } from '../../../../src/logs/elasticsearch/source.js';
import type { WindowStatsReader } from '../../../../src/logs/window-stats.js';
import { sloHistory, sloStatus } from '../../../../src/rules/kinds/slo/reports.js';
import { openTempStore, type TempStore } from '../../../logs/embedded/temp-store.js';
import { ALL_PERSONAS, EsTestServer } from '../../../support/es-server/index.js';
import { EXPECTED, LATE_BAD, lateLogs, NOW, sloDocuments, sloLogs, sloRule } from './slo-data.js';

const MAPPING = { '@timestamp': 'date', app_name: 'keyword', message_key: 'keyword', duration: 'double' } as const;

/** The status and history every source must answer on the hand-computed data, before and after late logs. */
async function expectExactFigures(read: WindowStatsReader, addLate: () => Promise<void>) {
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
