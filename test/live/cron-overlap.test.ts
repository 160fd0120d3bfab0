import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app/create-context.js';
import { createScanServices } from '../../src/app/scan-services.js';
import { createLogger } from '../../src/logging/logger.js';
import type { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import type { ScanReport } from '../../src/scan/scan-report.js';
import { driversUnderTest } from '../support/databases.js';
import { LOG_INDEX_MAPPINGS } from '../support/log-documents.js';
import { openScanWorld, type ScanWorld } from '../support/scan-harness/world.js';
import { ClusterAdmin, liveServers } from './real-cluster.js';

/**
 * Cron mode against real servers: each scan runs in a new context (as a new `log:alert-scan`
 * process does), and transfers none of the candidates earlier scans recorded in the overlap,
 * while a document that becomes visible late inside the overlap is still found, once.
 */
const servers = liveServers();
const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;
const iso = (ms: number) => new Date(ms).toISOString();

if (servers.length === 0) {
  describe('real search servers: cron-run scans', () => {
    it.skip('need TEST_SEARCH_SERVERS=flavor=url,... (npm run -s search:start -- <flavor> <port>)');
  });
}

describe.each(servers.map((s) => [s.flavor, s] as const))('real %s: cron-run scans', (_flavor, server) => {
  const prefix = `lw-cron-${randomBytes(3).toString('hex')}-`;
  const index = `${prefix}logs-1`;
  let admin: ClusterAdmin;
  let world: ScanWorld;

  beforeAll(async () => {
    admin = await ClusterAdmin.connect(server.url);
    await admin.createIndex(index, { mappings: LOG_INDEX_MAPPINGS });
    world = await openScanWorld(sqlite, {
      env: {
        LOG_SOURCE: 'elasticsearch',
        ELASTICSEARCH_HOST: server.url,
        ELASTICSEARCH_INDEX_PREFIX: prefix,
        ELASTICSEARCH_TIMEOUT_MS: '30000',
        SCAN_INITIAL_LOOKBACK_MINUTES: '30',
        SCAN_LAG_SECONDS: '2',
      },
    });
    await world.ctx.appRules.create({ app_name: 'cron-app', max_duration: 100, alert_channels: ['webhook'] }, 'test');
  }, 60_000);

  afterAll(async () => {
    await world?.close();
    await admin?.remove({ indices: [`${prefix}*`], dataStreams: [], templates: [] });
    await admin?.close();
  });

  /** One `log:alert-scan` process: a new context over the same state database. */
  async function newProcess(): Promise<ScanReport & { transferred: number; pendingBefore: boolean }> {
    const ctx = createAppContext(world.config, createLogger({ logLevel: 'silent' }));
    try {
      const services = await createScanServices(ctx);
      try {
        // The probe `start` asks every few seconds (size 1, filter_path, uncompressed).
        const pendingBefore = (await services.scanner.pendingScanAt()) !== undefined;
        const report = await services.scanner.run();
        const source = (await services.source()) as ElasticsearchLogSource;
        return { ...report, transferred: source.counters.documentsRead, pendingBefore };
      } finally {
        await services.close();
      }
    } finally {
      await ctx.close();
    }
  }

  it('a second process transfers no recorded candidate and still finds a late one', async () => {
    const now = Date.now();
    const doc = (i: number, ageMs: number, duration = 500 + i) => ({
      '@timestamp': iso(now - ageMs),
      app_name: 'cron-app',
      message_key: 'job',
      duration,
    });
    await admin.bulk(index, [
      ...Array.from({ length: 20 }, (_, i) => doc(i, 60_000 + i * 1000)),
      ...Array.from({ length: 30 }, (_, i) => doc(100 + i, 50_000, 10)), // under the threshold
    ]);
    const first = await newProcess();
    expect(first.status, first.error).toBe('success');
    expect(first).toMatchObject({ violations: 20, transferred: 20, pendingBefore: true });

    const second = await newProcess();
    expect(second.status, second.error).toBe('success');
    expect(second).toMatchObject({ violations: 0, transferred: 0, pendingBefore: false });

    // Written now with a time 5 minutes back (inside the 900 s overlap), visible after a refresh.
    await admin.bulk(index, [doc(999, 5 * 60_000)], { refresh: false });
    await admin.refresh(index);
    const third = await newProcess();
    expect(third.status, third.error).toBe('success');
    expect(third).toMatchObject({ violations: 1, transferred: 1, pendingBefore: true });

    const rows = await world.ctx.state.db.selectFrom('violations').select('source_id').execute();
    expect(rows).toHaveLength(21);
    expect(new Set(rows.map((r) => r.source_id)).size).toBe(21);
  });
});
