import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { ElasticsearchLogSource } from '../../src/logs/elasticsearch/source.js';
import { readCheckpoint } from '../../src/scan/checkpoints.js';
import { Scanner } from '../../src/scan/scanner.js';
import { driversUnderTest } from '../support/databases.js';
import { type FaultMatch, FaultProxy } from '../support/fault-proxy.js';
import { openScanWorld } from '../support/scan-harness/world.js';
import { ClusterAdmin, liveServers } from './real-cluster.js';

/**
 * Failed reads against every real server of TEST_SEARCH_SERVERS, through the fault proxy: each
 * fault once (within the retry budget: the scan finishes and records every violation once), and
 * each fault for good (the scan fails, says why in the cron log, and the checkpoint does not move
 * past what it did not read; the next scan records exactly the missing violations).
 */
const servers = liveServers();
const sqlite = driversUnderTest().find((d) => d.driver === 'sqlite')!;

if (servers.length === 0) {
  describe('failed reads against real search servers', () => {
    it.skip('need TEST_SEARCH_SERVERS=flavor=url,... (npm run -s search:start -- <flavor> <port>)');
  });
}

/** Short backoffs: 4 attempts 10-80 ms apart (a Retry-After of up to 1 s is honoured), at most 3 s in all. */
const TUNING = { maxRetries: 3, backoffBaseMs: 20, backoffMaxMs: 1000, retryBudgetMs: 3000 };
const BATCH = 10;
const VIOLATIONS = 40;
const THRESHOLD = 1000;

const FIRST_PAGE: FaultMatch = { path: /\/_search$/, method: 'POST' };
const SCROLL_PAGE: FaultMatch = { path: /^\/_search\/scroll$/, method: 'POST' };
const COUNT: FaultMatch = { path: /\/_count$/, method: 'POST' };
/** The fourth scroll page and every one after it: three batches are recorded before the failure. */
const LATER_PAGES: FaultMatch = { ...SCROLL_PAGE, after: 3 };

type Setup = (proxy: FaultProxy) => void;
/** Name, the fault once, the fault for good, and whether it lets some batches through first. */
const FAULTS: [string, Setup, Setup, boolean][] = [
  [
    'failed shards',
    (p) => p.inject('failed-shards', FIRST_PAGE),
    (p) => p.inject('failed-shards', LATER_PAGES, 1000),
    true,
  ],
  ['timed_out', (p) => p.inject('timed-out', SCROLL_PAGE), (p) => p.inject('timed-out', FIRST_PAGE, 1000), false],
  [
    '429 (Retry-After honoured)',
    (p) => p.inject('rejected-429', SCROLL_PAGE, 1, { retryAfterSeconds: 1 }),
    (p) => p.inject('rejected-429', LATER_PAGES, 1000),
    true,
  ],
  ['503', (p) => p.inject('unavailable-503', COUNT, 2), (p) => p.inject('unavailable-503', COUNT, 1000), false],
  ['a body cut mid-way', (p) => p.inject('cut', SCROLL_PAGE), (p) => p.inject('cut', LATER_PAGES, 1000), true],
  ['invalid JSON', (p) => p.inject('truncated', FIRST_PAGE), (p) => p.inject('truncated', FIRST_PAGE, 1000), false],
  ['a reset connection', (p) => p.inject('reset', SCROLL_PAGE, 2), (p) => p.inject('reset', LATER_PAGES, 1000), true],
  ['a stalled answer', (p) => p.inject('stall', FIRST_PAGE), (p) => p.inject('stall', LATER_PAGES, 1000), true],
  [
    'a node restart mid-scroll',
    (p) => p.restartNodeAfter({ ...SCROLL_PAGE, after: 1 }, 50),
    (p) => p.restartNodeAfter({ ...SCROLL_PAGE, after: 2 }, 1000),
    true,
  ],
];

describe.each(servers.map((s) => [s.flavor, s] as const))('failed reads against real %s', (_flavor, server) => {
  const prefix = `lwfr-${randomBytes(3).toString('hex')}-`;
  const index = `${prefix}logs-1`;
  const now = Date.now();
  // 60 logs in the last ten minutes: 40 over the rule's threshold, 20 under it.
  const times = Array.from({ length: 60 }, (_, i) => now - 30_000 - i * 9_000);
  const documents = times.map((t, i) => ({
    '@timestamp': new Date(t).toISOString(),
    app_name: 'fr-app',
    duration: i % 3 === 2 ? 200 : THRESHOLD + 1 + i,
    message: `work ${i}`,
  }));
  let admin: ClusterAdmin;
  let proxy: FaultProxy;

  beforeAll(async () => {
    admin = await ClusterAdmin.connect(server.url);
    await admin.createIndex(index, {
      settings: { number_of_shards: 2, number_of_replicas: 0 },
      mappings: {
        properties: { '@timestamp': { type: 'date' }, app_name: { type: 'keyword' }, duration: { type: 'long' } },
      },
    });
    await admin.bulk(index, documents);
    proxy = await FaultProxy.start(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await admin?.remove({ indices: [`${prefix}*`], dataStreams: [], templates: [] });
    await admin?.close();
  });

  /** A fresh installation scanning the index through the proxy, with one rule and one webhook target. */
  const installation = async () => {
    const world = await openScanWorld(sqlite, {
      env: {
        LOG_SOURCE: 'elasticsearch',
        ELASTICSEARCH_HOST: proxy.url,
        ELASTICSEARCH_INDEX_PREFIX: prefix,
        ELASTICSEARCH_INDICES: `${prefix}logs-*`,
        ELASTICSEARCH_TIMEOUT_MS: '500',
        SCAN_BATCH_SIZE: String(BATCH),
        SCAN_LAG_SECONDS: '0',
        SCAN_INITIAL_LOOKBACK_MINUTES: '60',
      },
    });
    const source = await ElasticsearchLogSource.open(world.config, createLogger({ logLevel: 'silent' }), TUNING);
    await world.ctx.targets.create({ name: 'hook', type: 'webhook', external_id: 'http://127.0.0.1:9/hook' }, 'test');
    await world.ctx.appRules.create(
      { app_name: 'fr-app', max_duration: THRESHOLD, alert_channels: ['webhook'] },
      'test',
    );
    const { lease, cooldowns } = world.services;
    const scanner = new Scanner({ ctx: world.ctx, source: async () => source, lease, cooldowns });
    const db = world.ctx.state.db;
    return {
      scan: () => scanner.run(),
      checkpoint: async () => (await readCheckpoint(db, source.key))?.watermark,
      violations: async () => (await db.selectFrom('violations').select('source_id').execute()).map((r) => r.source_id),
      notified: async () =>
        (await db.selectFrom('alert_log').select(['violation_count', 'kind']).execute()).map((r) => {
          expect(r.kind).toBe('alert');
          return Number(r.violation_count);
        }),
      cronLog: (id: number) => db.selectFrom('cron_logs').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
      close: async () => {
        await source.close();
        await world.close();
      },
    };
  };
  let open: Awaited<ReturnType<typeof installation>> | undefined;
  afterEach(async () => {
    await proxy?.clear();
    await open?.close();
    open = undefined;
  });

  /** Every violation recorded once, each notified once, and the checkpoint past the newest log. */
  const expectEverythingOnce = async (lagwatch: NonNullable<typeof open>) => {
    const ids = await lagwatch.violations();
    expect(ids).toHaveLength(VIOLATIONS);
    expect(new Set(ids).size).toBe(VIOLATIONS);
    const counts = await lagwatch.notified();
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(VIOLATIONS);
    expect(await lagwatch.checkpoint()).toBeGreaterThan(Math.max(...times));
  };

  it.each(FAULTS)(
    '%s once: retried within the scan, every violation recorded and notified once',
    async (name, once) => {
      open = await installation();
      once(proxy);
      const started = Date.now();
      const report = await open.scan();
      expect(report.status, report.error).toBe('success');
      expect(proxy.unused).toBe(0);
      expect(report.violations).toBe(VIOLATIONS);
      if (name.startsWith('429')) expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      await expectEverythingOnce(open);
    },
  );

  it.each(FAULTS)(
    '%s for good: the scan fails and says so, the next one records exactly the rest',
    async (_n, _o, always, partly) => {
      open = await installation();
      always(proxy);
      const failed = await open.scan();
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/failed read: /);
      const row = await open.cronLog(failed.cronId!);
      expect(row.status).toBe('failed');
      expect(row.error).toBe(failed.error);
      // Never past a log it did not read: at most where the scan started (60 minutes back).
      expect((await open.checkpoint()) ?? 0).toBeLessThan(Math.min(...times));
      const recordedBefore = (await open.violations()).length;
      expect(recordedBefore).toBe(failed.violations);
      if (partly) expect(failed.violations).toBeGreaterThan(0);

      await proxy.clear();
      const next = await open.scan();
      expect(next.status, next.error).toBe('success');
      expect(next.violations).toBe(VIOLATIONS - failed.violations);
      await expectEverythingOnce(open);
    },
  );
});
