import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.js';
import { checkElasticsearch } from '../../../src/logs/elasticsearch/check.js';
import { ElasticsearchError, ElasticsearchMappingError } from '../../../src/logs/elasticsearch/errors.js';
import { ElasticsearchLogSource } from '../../../src/logs/elasticsearch/source.js';
import type { ReadCandidate, ScanBatch } from '../../../src/logs/source.js';
import { ALL_PERSONAS, EsTestServer, type Persona } from '../../support/es-server/index.js';
import {
  capturingLogger,
  collect,
  DEFAULT_MAPPING,
  esConfig,
  FAST_RETRIES,
  iso,
  p95Of,
  rangeScan,
  reportedBucket,
  seeded,
  T0,
  within1Percent,
} from './helpers.js';

const EXPECTED_PAGING: Record<string, string> = {
  '7.10.2': 'scroll',
  '7.17.28': 'es-pit',
  '8.19.3': 'es-pit',
  '9.1.4': 'es-pit',
  '2.19.1': 'scroll',
  '3.3.0': 'scroll',
};

interface Doc {
  t: number;
  app?: string;
  key?: string;
  d?: number | string;
  level?: string;
  cid?: string;
}

/** The candidates the batches ask to store as recorded (what the scanner passes back next time). */
const rememberedOf = (batches: ScanBatch[]): ReadCandidate[] => batches.flatMap((b) => b.remember?.candidates ?? []);

const toSource = (d: Doc) => ({
  '@timestamp': iso(d.t),
  ...(d.app !== undefined ? { app_name: d.app } : {}),
  ...(d.key !== undefined ? { message_key: d.key } : {}),
  ...(d.d !== undefined ? { duration: d.d } : {}),
  ...(d.level !== undefined ? { level: d.level } : {}),
  ...(d.cid !== undefined ? { correlation_id: d.cid } : {}),
  message: `work of ${d.app ?? 'nobody'}`,
});

describe.each(ALL_PERSONAS.map((p) => [p.name, p] as const))(
  'Elasticsearch adapter against %s',
  (_name, persona: Persona) => {
    let server: EsTestServer;
    let config: Config;
    let source: ElasticsearchLogSource | undefined;

    beforeEach(async () => {
      server = await EsTestServer.start({ persona });
      server.createIndex('logs-2026.01.05', DEFAULT_MAPPING);
      server.createIndex('logs-2026.01.06', DEFAULT_MAPPING);
      server.createIndex('other-2026.01.05', DEFAULT_MAPPING);
      config = esConfig(server.url);
    });

    afterEach(async () => {
      await source?.close();
      source = undefined;
      await server.close();
    });

    const open = async (c: Config = config) => {
      source = await ElasticsearchLogSource.open(c, capturingLogger().logger, FAST_RETRIES);
      return source;
    };
    const add = (docs: Doc[], index = 'logs-2026.01.05') => server.addDocuments(index, docs.map(toSource));
    const expectAllClosed = () => {
      expect(server.cluster.openPits).toBe(0);
      expect(server.cluster.openScrolls).toBe(0);
      expect(server.stats.pitsOpened).toBe(server.stats.pitsClosed);
      expect(server.stats.scrollsOpened).toBe(server.stats.scrollsClosed);
    };

    it('learns distribution and version from GET / and picks the paging mode', async () => {
      const s = await open();
      expect(s.server.distribution).toBe(persona.distribution);
      expect(s.server.version).toBe(persona.version);
      expect(s.pagingMode).toBe(EXPECTED_PAGING[persona.version]);
      expect(s.server.productHeaderMissing).toBe(false);
      const health = await s.health();
      expect(health).toMatchObject({ ok: true, version: persona.version });
      expect(health.description).toContain(persona.version);
      expect(s.key).toContain('logs-*');
    });

    it('pages across several pages of equal timestamps without losing or repeating a log, and closes every PIT/scroll', async () => {
      const same = T0 + 1000;
      const docs: Doc[] = [];
      for (let i = 0; i < 23; i++) docs.push({ t: same, app: 'core', key: 'k', d: 200 + i });
      for (let i = 0; i < 9; i++) docs.push({ t: same + (i % 3), app: 'core', key: 'k', d: 300 });
      add(docs.slice(0, 20));
      add(docs.slice(20), 'logs-2026.01.06');
      add([{ t: same, app: 'core', d: 999 }], 'other-2026.01.05');
      const s = await open();
      const batches = await collect(s.scan(rangeScan(T0, T0 + 60_000, { core: 100 }, 4)));
      const ids = batches.flatMap((b) => b.candidates.map((c) => c.sourceId));
      expect(batches.length).toBeGreaterThanOrEqual(8);
      expect(ids).toHaveLength(32);
      expect(new Set(ids).size).toBe(32);
      expect(ids.every((id) => id.startsWith('logs-2026.01.0'))).toBe(true);
      expect(server.stats.hitsReturned).toBe(32);
      expect(server.stats.staleIdUses).toBe(0);
      expect(server.stats.pitsOpened + server.stats.scrollsOpened).toBe(1);
      expectAllClosed();
    });

    it('pushes the threshold test down: only candidates travel, one should clause per distinct threshold', async () => {
      add([
        { t: T0 + 1, app: 'alpha', key: 'a', d: 50 },
        { t: T0 + 2, app: 'alpha', key: 'a', d: 100 },
        { t: T0 + 3, app: 'alpha', key: 'b', d: 150 },
        { t: T0 + 4, app: 'beta', key: 'a', d: 400 },
        { t: T0 + 5, app: 'beta', key: 'a', d: 500 },
        { t: T0 + 6, app: 'beta', key: 'a', d: 600 },
        { t: T0 + 7, app: 'delta', key: 'a', d: 120 },
        { t: T0 + 8, app: 'gamma', key: 'a', d: 10_000 },
        { t: T0 + 9, app: 'alpha', key: 'a' },
        { t: T0 + 60_000, app: 'alpha', key: 'a', d: 900 },
      ]);
      const s = await open();
      const batches = await collect(s.scan(rangeScan(T0, T0 + 60_000, { alpha: 100, beta: 500, delta: 100 })));
      const found = batches.flatMap((b) => b.candidates.map((c) => `${c.app}:${c.durationMs}`)).sort();
      expect(found).toEqual(['alpha:100', 'alpha:150', 'beta:500', 'beta:600', 'delta:120']);
      expect(server.stats.hitsReturned).toBe(5);
      const search = server.stats.searchBodies.find((b) => b.query !== undefined && b.size !== 0)!;
      const bool = (search.query as { bool: { should: unknown[] } }).bool;
      expect(bool.should).toHaveLength(2);
      expect(batches.at(-1)!.scanned).toBe(9);
      expectAllClosed();
    });

    it('scans 2,000 apps with distinct thresholds within the clause limit, transferring few more than the violations', async () => {
      const thresholds: Record<string, number> = {};
      const docs: Doc[] = [];
      for (let i = 0; i < 2_000; i++) {
        const app = `app-${String(i).padStart(4, '0')}`;
        const threshold = 100 + i * 3;
        thresholds[app] = threshold;
        docs.push({ t: T0 + i, app, key: 'k', d: threshold + 1 }, { t: T0 + i, app, key: 'k', d: threshold - 1 });
        docs.push({ t: T0 + i, app, key: 'k', d: threshold / 2 });
      }
      add(docs);
      const s = await open();
      const batches = await collect(s.scan(rangeScan(T0, T0 + 60_000, thresholds, 5_000)));
      const found = batches.flatMap((b) => b.candidates);
      const violations = found.filter((c) => c.durationMs! > thresholds[c.app!]!);
      expect(violations).toHaveLength(2_000);
      expect(found.length / violations.length).toBeLessThanOrEqual(2);
      expect(batches.at(-1)!.scanned).toBe(6_000);
      expectAllClosed();
    });

    it('maps the ECS preset: dotted fields and nanosecond durations', async () => {
      server.createIndex('ecs-1', {
        '@timestamp': 'date',
        'service.name': 'keyword',
        'event.action': 'keyword',
        'event.duration': 'long',
        'trace.id': 'keyword',
        'log.level': 'keyword',
      });
      server.addDocuments('ecs-1', [
        {
          '@timestamp': iso(T0 + 1),
          service: { name: 'api' },
          event: { action: 'GET /x', duration: 99_000_000 },
          log: { level: 'INFO' },
        },
        {
          '@timestamp': iso(T0 + 2),
          service: { name: 'api' },
          event: { action: 'GET /y', duration: 100_000_000 },
          trace: { id: 't1' },
        },
        { '@timestamp': iso(T0 + 3), 'service.name': 'api', 'event.action': 'GET /z', 'event.duration': 250_500_000 },
      ]);
      const s = await open(esConfig(server.url, { LOG_FIELDS: 'ecs', ELASTICSEARCH_INDEX_PREFIX: 'ecs-' }));
      const batches = await collect(s.scan(rangeScan(T0, T0 + 60_000, { api: 100 })));
      const found = batches.flatMap((b) => b.candidates).map((c) => [c.messageKey, c.durationMs, c.correlationId]);
      expect(found).toEqual([
        ['GET /y', 100, 't1'],
        ['GET /z', 250.5, null],
      ]);
      const summary = await s.summary({ from: T0, to: T0 + 60_000 });
      expect(summary.durationSumMs).toBeCloseTo(449.5, 9);
      expect(summary.levels).toEqual([
        { level: 'unknown', count: 2 },
        { level: 'info', count: 1 },
      ]);
    });

    it('checkpoints: starts at now - lookback, stops at now - lag, re-reads the overlap and finds late logs', async () => {
      const now = T0 + 3_600_000;
      add([
        { t: now - 3_700_000, app: 'core', d: 900 }, // before the initial lookback
        { t: now - 1_800_000, app: 'core', d: 900 },
        { t: now - 60_000, app: 'core', d: 50 },
        { t: now - 20_000, app: 'core', d: 901 },
        { t: now - 5_000, app: 'core', d: 902 }, // inside the lag: next scan
      ]);
      const s = await open();
      const thresholds = new Map([['core', 100]]);
      const first = await collect(s.scan({ mode: 'checkpoint', cursor: undefined, now, batchSize: 1, thresholds }));
      const oldCursor = JSON.stringify({ watermark: now - 3_600_000 });
      expect(first.slice(0, -1).every((b) => b.cursor === oldCursor && b.scanned === 0)).toBe(true);
      expect(first.at(-1)).toMatchObject({
        cursor: JSON.stringify({ watermark: now - 15_000 }),
        watermark: now - 15_000,
        scanned: 3,
      });
      expect(first.flatMap((b) => b.candidates.map((c) => c.durationMs))).toEqual([900, 901]);

      // A log that became visible late, with a time before the watermark but inside the overlap.
      add([{ t: now - 100_000, app: 'core', d: 903 }], 'logs-2026.01.06');
      const later = now + 60_000;
      // What the scanner stores with the first window's batches, and passes back.
      const recorded = rememberedOf(first);
      // Only those the next window re-reads: not the one 30 min back.
      expect(recorded.map((c) => c.time)).toEqual([now - 20_000]);
      expect(first.at(-1)!.remember!.forgetBefore).toBe(now - 15_000 - 300_000);
      const second = await collect(
        s.scan({ mode: 'checkpoint', cursor: first.at(-1)!.cursor, now: later, batchSize: 100, thresholds, recorded }),
      );
      // Scroll returns a window in index order, PIT in time order: the scanner needs neither. The
      // overlap's logs already recorded (stored with their window's cursor) do not travel again.
      expect(second.flatMap((b) => b.candidates.map((c) => c.durationMs)).sort()).toEqual([902, 903]);
      expect(second.at(-1)).toMatchObject({ watermark: later - 15_000, scanned: 1 });

      // The scanner did not store the second window's cursor (a crash): its logs travel again.
      const retried = await collect(
        s.scan({ mode: 'checkpoint', cursor: first.at(-1)!.cursor, now: later, batchSize: 100, thresholds, recorded }),
      );
      expect(retried.flatMap((b) => b.candidates.map((c) => c.durationMs)).sort()).toEqual([902, 903]);
      server.resetStats();
      const third = await collect(
        s.scan({
          mode: 'checkpoint',
          cursor: retried.at(-1)!.cursor,
          now: later + 30_000,
          batchSize: 100,
          thresholds,
          recorded: [...recorded, ...rememberedOf(retried)],
        }),
      );
      expect(third.flatMap((b) => b.candidates)).toEqual([]);
      expect(server.stats.hitsReturned).toBe(0);
      expectAllClosed();
    });

    it('pendingScanAt: when a scan would first read a candidate it has not read, up to now, not held back by the lag', async () => {
      const now = T0 + 3_600_000;
      const lag = config.scan.lagSeconds * 1000;
      const thresholds = new Map([['core', 100]]);
      add([{ t: now - 60_000, app: 'core', d: 900 }]);
      const s = await open();
      let recorded: ReadCandidate[] = [];
      const request = (cursor: string | undefined, at: number) =>
        ({ mode: 'checkpoint', cursor, now: at, batchSize: 100, thresholds, recorded }) as const;
      expect(await s.pendingScanAt(request(undefined, now))).toBe(now);
      const first = await collect(s.scan(request(undefined, now)));
      const cursor = first.at(-1)!.cursor;
      // Read but not yet stored as recorded: the overlap would read it again.
      expect(await s.pendingScanAt(request(cursor, now + 5_000))).toBe(now + 5_000);
      recorded = rememberedOf(first);
      // Stored as recorded: what it read is excluded, nothing new.
      expect(await s.pendingScanAt(request(cursor, now + 5_000))).toBeUndefined();
      add([{ t: now + 2_000, app: 'core', d: 10 }]); // not a candidate
      add([{ t: now + 60_000, app: 'core', d: 990 }]); // after the probe's now: not yet
      expect(await s.pendingScanAt(request(cursor, now + 5_000))).toBeUndefined();
      // Visible before the scan's window (which ends the lag before its start) reaches it: the
      // scan is due once that window holds it.
      add([{ t: now + 4_000, app: 'core', d: 920 }]);
      expect(await s.pendingScanAt(request(cursor, now + 5_000))).toBe(now + 4_000 + lag + 1);
      const early = await collect(s.scan(request(cursor, now + 4_000 + lag)));
      expect(early.flatMap((b) => b.candidates.map((c) => c.durationMs))).toEqual([]);
      const due = await collect(s.scan(request(cursor, now + 4_000 + lag + 1)));
      expect(due.flatMap((b) => b.candidates.map((c) => c.durationMs))).toEqual([920]);
      // A late candidate inside the overlap is not masked by a newer one: the newest decides.
      add([{ t: now - 4 * 60_000, app: 'core', d: 950 }], 'logs-2026.01.06');
      expect(await s.pendingScanAt(request(cursor, now + 5_000))).toBe(now + 4_000 + lag + 1);
      expect(await s.pendingScanAt(request(cursor, now + 30_000))).toBe(now + 30_000);
      expect(await s.pendingScanAt({ ...request(cursor, now + 5_000), thresholds: new Map() })).toBeUndefined();
    });

    it('FIELD_INGESTED: windows go by ingest time, so a log of any lateness is read once; figures keep its own time', async () => {
      const now = T0 + 3_600_000;
      const ingestedAt = (ms: number) => ({ 'event.ingested': iso(ms) });
      server.addDocuments('logs-2026.01.05', [
        { ...toSource({ t: now - 5 * 3_600_000, app: 'core', d: 900 }), ...ingestedAt(now - 30_000) }, // 5 h late
        { ...toSource({ t: now - 40_000, app: 'core', d: 901 }), ...ingestedAt(now - 39_000) },
        { ...toSource({ t: now - 30_000, app: 'core', d: 902 }) }, // no ingest time: its own time
      ]);
      const s = await open(esConfig(server.url, { FIELD_INGESTED: 'event.ingested' }));
      const thresholds = new Map([['core', 100]]);
      const first = await collect(
        s.scan({
          mode: 'checkpoint',
          cursor: JSON.stringify({ watermark: now - 120_000 }),
          now,
          batchSize: 10,
          thresholds,
        }),
      );
      const found = first.flatMap((b) => b.candidates);
      expect(found.map((c) => c.durationMs).sort()).toEqual([900, 901, 902]);
      expect(found.find((c) => c.durationMs === 900)!.time).toBe(now - 5 * 3_600_000);
      expect(first.at(-1)!.scanned).toBe(3);
      // By ingest time the probe asks only whether the scan's window holds a candidate.
      const probe = {
        mode: 'checkpoint',
        cursor: first.at(-1)!.cursor,
        now: now + 60_000,
        batchSize: 10,
        thresholds,
      } as const;
      expect(await s.pendingScanAt({ ...probe, recorded: rememberedOf(first) })).toBeUndefined();
      // Another document ingested now, 2 days late by its own time.
      server.addDocuments('logs-2026.01.05', [
        { ...toSource({ t: now - 2 * 86_400_000, app: 'core', d: 903 }), ...ingestedAt(now + 10_000) },
      ]);
      // Remembered by ingest time: the 5 h late one too, as the next window re-reads it.
      const recorded = rememberedOf(first);
      expect(recorded.map((c) => c.time).sort()).toEqual([now - 39_000, now - 30_000, now - 30_000]);
      expect(await s.pendingScanAt({ ...probe, recorded })).toBe(now + 60_000);
      const second = await collect(
        s.scan({
          mode: 'checkpoint',
          cursor: first.at(-1)!.cursor,
          now: now + 60_000,
          batchSize: 10,
          thresholds,
          recorded,
        }),
      );
      expect(second.flatMap((b) => b.candidates.map((c) => c.durationMs))).toEqual([903]);
    });

    it('without thresholds skips the search and still advances the watermark', async () => {
      add([
        { t: T0 + 1, app: 'core', d: 900 },
        { t: T0 + 2, app: 'edge', d: 1 },
      ]);
      const s = await open();
      const batches = await collect(
        s.scan({
          mode: 'checkpoint',
          cursor: JSON.stringify({ watermark: T0 }),
          now: T0 + 30_000,
          batchSize: 10,
          thresholds: new Map(),
        }),
      );
      expect(batches).toEqual([
        {
          candidates: [],
          scanned: 2,
          cursor: JSON.stringify({ watermark: T0 + 15_000 }),
          watermark: T0 + 15_000,
          remember: { candidates: [], forgetBefore: T0 + 15_000 - 300_000 },
        },
      ]);
      expect(server.stats.searchBodies).toHaveLength(0);
    });

    it('skips and counts documents whose time the cluster accepts but lagwatch cannot read', async () => {
      server.addDocuments('logs-2026.01.05', [
        { '@timestamp': '2026/01/05 10:00:01', app_name: 'core', duration: 500 },
        toSource({ t: T0 + 2, app: 'core', d: 500 }),
      ]);
      const s = await open();
      const batches = await collect(s.scan(rangeScan(T0, T0 + 60_000, { core: 100 })));
      expect(batches.flatMap((b) => b.candidates)).toHaveLength(1);
      expect(s.counters.skippedInvalidTime).toBe(1);
    });

    describe('aggregations equal the figures computed from the documents', () => {
      const apps = ['billing', 'core', 'search'];
      const keys = ['create', 'list', 'show', 'delete'];
      const levels = ['info', 'INFO', 'warning', 'error', undefined];
      const docs: Doc[] = [];
      const random = seeded(42);
      for (let i = 0; i < 400; i++) {
        const r = random();
        docs.push({
          t: T0 + Math.floor(random() * 600_000),
          app: r < 0.05 ? undefined : apps[Math.floor(random() * apps.length)],
          key: r > 0.9 ? undefined : keys[Math.floor(random() * keys.length)],
          d: r < 0.1 ? undefined : Math.floor(random() * 2000),
          level: levels[Math.floor(random() * levels.length)],
        });
      }
      const range = { from: T0, to: T0 + 540_000 };
      const inRange = docs.filter((d) => d.t >= range.from && d.t < range.to);
      const durations = (list: Doc[]) => list.filter((d) => typeof d.d === 'number').map((d) => d.d as number);
      const avg = (values: number[]) =>
        values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

      beforeEach(() => {
        add(docs.slice(0, 200));
        add(docs.slice(200), 'logs-2026.01.06');
      });

      it('summary', async () => {
        const s = await open();
        const summary = await s.summary(range);
        expect(summary.totalLogs).toBe(inRange.length);
        expect(summary.durationCount).toBe(durations(inRange).length);
        expect(summary.durationSumMs).toBe(durations(inRange).reduce((a, b) => a + b, 0));
        const byApp = apps
          .map((app) => {
            const list = inRange.filter((d) => d.app === app);
            return {
              app,
              count: list.length,
              durationCount: durations(list).length,
              durationSumMs: durations(list).reduce((a, b) => a + b, 0),
            };
          })
          .sort((a, b) => b.count - a.count || a.app.localeCompare(b.app));
        expect(summary.byApp).toEqual(byApp);
        const levelCounts = new Map<string, number>();
        for (const d of inRange) {
          const level = d.level?.toLowerCase() ?? 'unknown';
          levelCounts.set(level, (levelCounts.get(level) ?? 0) + 1);
        }
        expect(summary.levels).toEqual(
          [...levelCounts]
            .map(([level, count]) => ({ level, count }))
            .sort((a, b) => b.count - a.count || a.level.localeCompare(b.level)),
        );
      });

      it('timeseries, whole range and per app', async () => {
        const s = await open();
        for (const app of [undefined, 'core']) {
          const series = await s.timeseries(range, 60_000, app);
          expect(series).toHaveLength(9);
          for (const bucket of series) {
            const list = inRange.filter(
              (d) => d.t >= bucket.start && d.t < bucket.start + 60_000 && (app === undefined || d.app === app),
            );
            expect(bucket).toEqual({
              start: bucket.start,
              count: list.length,
              avgMs: avg(durations(list)),
              p95Ms: within1Percent(p95Of(durations(list))),
            });
          }
          expect(series[0]!.start).toBe(T0);
        }
      });

      it('appStats with the slowest message keys by p95', async () => {
        const s = await open();
        const stats = await s.appStats(range, 2);
        expect(stats.map((a) => a.app)).toEqual(
          apps
            .map((app) => ({ app, count: inRange.filter((d) => d.app === app).length }))
            .sort((a, b) => b.count - a.count || a.app.localeCompare(b.app))
            .map((a) => a.app),
        );
        for (const entry of stats) {
          const list = inRange.filter((d) => d.app === entry.app);
          const values = durations(list);
          expect(entry).toMatchObject({
            count: list.length,
            avgMs: avg(values),
            p95Ms: within1Percent(p95Of(values)),
            maxMs: values.length ? Math.max(...values) : null,
          });
          const expectedKeys = keys
            .map((key) => {
              const of = list.filter((d) => d.key === key);
              const v = durations(of);
              return {
                messageKey: key,
                count: of.length,
                avgMs: avg(v),
                p95Ms: p95Of(v),
                maxMs: v.length ? Math.max(...v) : null,
              };
            })
            .filter((k) => k.count > 0)
            .sort(
              (a, b) => reportedBucket(b.p95Ms) - reportedBucket(a.p95Ms) || a.messageKey.localeCompare(b.messageKey),
            )
            .slice(0, 2)
            .map((k) => ({ ...k, p95Ms: within1Percent(k.p95Ms) }));
          expect(entry.slowestKeys).toEqual(expectedKeys);
        }
      });
    });

    it('traces a correlation id across indices, oldest first, bounded', async () => {
      add([
        { t: T0 + 3000, app: 'core', cid: 'req-1', d: 3 },
        { t: T0 + 1000, app: 'edge', cid: 'req-1', d: 1 },
        { t: T0 + 1500, app: 'core', cid: 'req-2', d: 9 },
      ]);
      add([{ t: T0 + 2000, app: 'db', cid: 'req-1', d: 2 }], 'logs-2026.01.06');
      const s = await open();
      const trace = await s.trace('req-1', 100);
      expect(trace.map((l) => [l.app, l.time])).toEqual([
        ['edge', T0 + 1000],
        ['db', T0 + 2000],
        ['core', T0 + 3000],
      ]);
      expect(trace[0]!.sourceId).toMatch(/^logs-2026\.01\.05\//);
      expect(await s.trace('req-1', 2)).toHaveLength(2);
      expect(await s.trace('nobody', 10)).toEqual([]);
    });

    it('works while an index of the pattern has no mapping for the time field yet', async () => {
      server.createIndex('logs-2026.01.07');
      add([{ t: T0 + 1, app: 'core', d: 900, cid: 'c-9' }]);
      const s = await open();
      const batches = await collect(s.scan(rangeScan(T0, T0 + 60_000, { core: 100 })));
      expect(batches.flatMap((b) => b.candidates)).toHaveLength(1);
      expect(await s.trace('c-9', 10)).toHaveLength(1);
      expect((await s.summary({ from: T0, to: T0 + 60_000 })).totalLogs).toBe(1);
    });

    it('queries the .keyword sub-field of dynamically mapped strings', async () => {
      server.createIndex('dyn-1');
      server.addDocuments('dyn-1', [
        toSource({ t: T0 + 1, app: 'core-service', key: 'GET /a', d: 500, cid: 'c-1', level: 'INFO' }),
        toSource({ t: T0 + 2, app: 'core-service', key: 'GET /b', d: 5, cid: 'c-1', level: 'info' }),
      ]);
      const s = await open(esConfig(server.url, { ELASTICSEARCH_INDEX_PREFIX: 'dyn-' }));
      const batches = await collect(s.scan(rangeScan(T0, T0 + 60_000, { 'core-service': 100 })));
      expect(batches.flatMap((b) => b.candidates.map((c) => c.messageKey))).toEqual(['GET /a']);
      expect((await s.summary({ from: T0, to: T0 + 60_000 })).byApp).toEqual([
        { app: 'core-service', count: 2, durationCount: 2, durationSumMs: 505 },
      ]);
      expect(await s.trace('c-1', 10)).toHaveLength(2);
      expect((await s.appStats({ from: T0, to: T0 + 60_000 }, 5))[0]!.slowestKeys.map((k) => k.messageKey)).toEqual([
        'GET /a',
        'GET /b',
      ]);
    });

    it('refuses a duration mapped as keyword with a clear diagnostic', async () => {
      server.createIndex('mono-1', { ...DEFAULT_MAPPING, duration: 'keyword' });
      server.addDocuments('mono-1', [toSource({ t: T0 + 1, app: 'core', d: '900' })]);
      const c = esConfig(server.url, { ELASTICSEARCH_INDEX_PREFIX: 'mono-' });
      const s = await open(c);
      const scan = collect(s.scan(rangeScan(T0, T0 + 60_000, { core: 100 })));
      await expect(scan).rejects.toBeInstanceOf(ElasticsearchMappingError);
      await expect(collect(s.scan(rangeScan(T0, T0 + 60_000, { core: 100 })))).rejects.toThrow(
        /duration is mapped as keyword.*numeric field/,
      );
      await expect(s.summary({ from: T0, to: T0 + 60_000 })).rejects.toThrow(/FIELD_DURATION/);
      expect(await s.trace('x', 1)).toEqual([]);
      const health = await s.health();
      expect(health.ok).toBe(false);
      expect(health.error).toMatch(/duration is mapped as keyword/);
      const report = await checkElasticsearch(c, capturingLogger().logger);
      expect(report.ok).toBe(false);
      expect(report.fieldCheck.find((f) => f.field === 'duration')).toMatchObject({ type: 'keyword', ok: false });
      expect(report.problems.join('\n')).toMatch(
        /duration is mapped as keyword in mono-1|duration is mapped as keyword/,
      );
    });

    it('retries 429 and 5xx answers with backoff and gives up with a clear error', async () => {
      add([{ t: T0 + 1, app: 'core', d: 900 }]);
      const s = await open();
      server.failNext(2, 429);
      server.failNext(1, 503);
      expect((await s.summary({ from: T0, to: T0 + 60_000 })).totalLogs).toBe(1);
      server.failNext(10, 503, /_search$/);
      const error = await collect(s.scan(rangeScan(T0, T0 + 60_000, { core: 100 }))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ElasticsearchError);
      expect((error as ElasticsearchError).status).toBe(503);
      expect((error as ElasticsearchError).message).toMatch(/HTTP 503 cluster_block_exception/);
      expectAllClosed();
    });

    it('closes the PIT or scroll when a page fails mid-window and when the consumer stops early', async () => {
      add(Array.from({ length: 12 }, (_, i) => ({ t: T0 + i, app: 'core', d: 500 })));
      const s = await open();
      for await (const batch of s.scan(rangeScan(T0, T0 + 60_000, { core: 100 }, 5))) {
        expect(batch.candidates).toHaveLength(5);
        break;
      }
      expectAllClosed();
      expect(server.stats.pitsOpened + server.stats.scrollsOpened).toBe(1);

      let pages = 0;
      server.failNext(10, 400, /^\/_search(\/scroll)?$/, 'POST');
      const failing = (async () => {
        for await (const _ of s.scan(rangeScan(T0, T0 + 60_000, { core: 100 }, 5))) pages++;
      })();
      // Scroll's first page comes from /{index}/_search, a PIT's from /_search: both fail on the next page at the latest.
      await expect(failing).rejects.toBeInstanceOf(ElasticsearchError);
      expect(pages).toBeLessThanOrEqual(1);
      expectAllClosed();
    });

    it('refuses partial results (failed shards): asks again, and past the retries fails without advancing', async () => {
      add(Array.from({ length: 6 }, (_, i) => ({ t: T0 + i, app: 'core', d: 500 })));
      const s = await open();
      const thresholds = new Map([['core', 100]]);
      const cursor = JSON.stringify({ watermark: T0 });
      const request = { mode: 'checkpoint', cursor, now: T0 + 60_000, batchSize: 2, thresholds } as const;
      server.failShardsNext(1, /_search/);
      const retried = await collect(s.scan(request));
      expect(retried.flatMap((b) => b.candidates)).toHaveLength(6);
      expectAllClosed();

      server.failShardsNext(20, /_search/);
      const seen: string[] = [];
      const scan = (async () => {
        for await (const batch of s.scan(request)) seen.push(batch.cursor);
      })();
      await expect(scan).rejects.toThrow(
        /failed read: .*1 of 2 shards failed \(node_disconnected_exception: \[node-2\] disconnected\).*the checkpoint stays at/,
      );
      expect(seen.every((c) => c === cursor)).toBe(true);
      expectAllClosed();
      server.failShardsNext(1, /_count$/);
      expect(await s.count({ from: T0, to: T0 + 1000 })).toBe(6);
      server.failShardsNext(20, /_count$/);
      await expect(s.count({ from: T0, to: T0 + 1000 })).rejects.toThrow(
        /refusing partial results.*gave up after 4 attempts/,
      );
      server.failShardsNext(1);
      await expect(s.summary({ from: T0, to: T0 + 1000 })).rejects.toThrow(/aggregation: 1 of 2 shards failed/);
    });

    it('fails over to the next host and retries a dropped connection', async () => {
      add([{ t: T0 + 1, app: 'core', d: 900 }]);
      const dead = await EsTestServer.start({ persona });
      const deadUrl = dead.url;
      await dead.close();
      const s = await open(esConfig([deadUrl, server.url]));
      server.dropNext(1);
      const batches = await collect(s.scan(rangeScan(T0, T0 + 60_000, { core: 100 })));
      expect(batches.flatMap((b) => b.candidates)).toHaveLength(1);
    });

    it('times out a request that gets no answer', async () => {
      const s = await open(esConfig(server.url, { ELASTICSEARCH_TIMEOUT_MS: '200' }));
      server.delayNext(5, 1000, /_count$/);
      await expect(s.count({ from: T0, to: T0 + 1000 })).rejects.toThrow(/no answer within 200 ms/);
    });

    it('reports the cluster in checkElasticsearch', async () => {
      add([{ t: T0 + 1, app: 'core', d: 900 }]);
      const report = await checkElasticsearch(config, capturingLogger().logger);
      expect(report).toMatchObject({
        ok: true,
        distribution: persona.distribution,
        version: persona.version,
        clusterHealth: 'green',
        problems: [],
        indices: [
          { name: 'logs-2026.01.05', docs: 1 },
          { name: 'logs-2026.01.06', docs: 0 },
        ],
      });
      expect(report.fieldCheck.map((f) => f.field)).toEqual([
        '@timestamp',
        'duration',
        'app_name',
        'message_key',
        'correlation_id',
        'level',
      ]);
      const missing = await checkElasticsearch(
        esConfig(server.url, { ELASTICSEARCH_INDEX_PREFIX: 'nothing-' }),
        capturingLogger().logger,
      );
      expect(missing.ok).toBe(false);
      expect(missing.problems).toContain('no index matches nothing-*');
    });
  },
);
