import { existsSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { EmbeddedLogStore } from '../../../src/logs/embedded/embedded-log-store.js';
import { linesOf, logDocument } from '../../support/log-documents.js';
import { openTempStore, type TempStore } from './temp-store.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

/** The tables of a version 3 file, and its DDL as version 3 created it (src/logs/embedded/schema.ts). */
const V3_TABLES = [
  'logs',
  'rollup_stats',
  'rollup_levels',
  'rollup_series',
  'store_meta',
  'ingest_keys',
  'import_progress',
];
const VERSION_3_DDL = `
CREATE TABLE logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, app TEXT, message_key TEXT, duration_ms REAL,
  correlation_id TEXT, level TEXT, message TEXT, raw TEXT NOT NULL
);
CREATE INDEX logs_time ON logs (time);
CREATE INDEX logs_correlation ON logs (time / 60000, correlation_id) WHERE correlation_id IS NOT NULL;
CREATE TABLE rollup_stats (
  span INTEGER NOT NULL, start INTEGER NOT NULL, app TEXT NOT NULL, message_key TEXT NOT NULL, count INTEGER NOT NULL,
  duration_count INTEGER NOT NULL, duration_sum REAL NOT NULL, duration_max REAL, histogram BLOB,
  PRIMARY KEY (span, start, app, message_key)
) WITHOUT ROWID;
CREATE TABLE rollup_levels (
  span INTEGER NOT NULL, start INTEGER NOT NULL, app TEXT NOT NULL, level TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (span, start, app, level)
) WITHOUT ROWID;
CREATE TABLE store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE rollup_series (
  span INTEGER NOT NULL, start INTEGER NOT NULL, scope INTEGER NOT NULL, app TEXT NOT NULL, count INTEGER NOT NULL,
  duration_count INTEGER NOT NULL, duration_sum REAL NOT NULL, duration_max REAL, histogram BLOB,
  PRIMARY KEY (span, start, scope, app)
) WITHOUT ROWID;
CREATE TABLE ingest_keys (
  key TEXT PRIMARY KEY, body_sha256 TEXT NOT NULL, result TEXT NOT NULL, created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ingest_keys_created ON ingest_keys (created_at);
CREATE TABLE import_progress (
  path TEXT PRIMARY KEY, head_bytes INTEGER NOT NULL, head_sha256 TEXT NOT NULL, lines INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

let temp: TempStore | undefined;

afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

describe('opening', () => {
  it('creates the folder and a WAL-mode file with a versioned schema', async () => {
    temp = openTempStore();
    expect(existsSync(temp.path)).toBe(true);
    await temp.store.close();
    const db = new SQLite(temp.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    db.close();
  });

  it('migrates a version 1 file: per-app and all-apps rollups rebuilt from the per-key rollups', async () => {
    temp = openTempStore();
    const docs = Array.from({ length: 3_000 }, (_, i) =>
      logDocument({
        time: NOW - 3 * 3_600_000 + i * 3_700,
        app: i % 7 === 0 ? undefined : `app-${i % 3}`,
        key: `k${i % 4}`,
        duration: i % 11 === 0 ? undefined : (i * 37) % 900,
        level: 'info',
      }),
    );
    for (let i = 0; i < docs.length; i += 700) temp.store.ingestDocuments(docs.slice(i, i + 700));
    const range = { from: NOW - 3 * 3_600_000 + 12_345, to: NOW + 8 * 60_000 };
    const series = await temp.store.timeseries(range, 5 * 60_000);
    const ofApp = await temp.store.timeseries(range, 15 * 60_000, 'app-1');
    const summary = await temp.store.summary(range);
    await temp.store.close();

    const rowsOf = (db: SQLite.Database) =>
      db.prepare('SELECT * FROM rollup_series ORDER BY span, start, scope, app').all() as Record<string, unknown>[];
    const db = new SQLite(temp.path);
    const written = rowsOf(db);
    // What a version 1 file looks like.
    db.exec('DROP TABLE rollup_series');
    db.pragma('user_version = 1');
    db.close();

    const store = EmbeddedLogStore.open(loadConfig(temp.env, undefined));
    temp.store = store;
    expect(await store.timeseries(range, 5 * 60_000)).toEqual(series);
    expect(await store.timeseries(range, 15 * 60_000, 'app-1')).toEqual(ofApp);
    expect(await store.summary(range)).toEqual(summary);
    await store.close();
    const migrated = new SQLite(temp.path, { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(4);
    const rebuilt = rowsOf(migrated);
    migrated.close();
    expect(rebuilt.length).toBe(written.length);
    rebuilt.forEach((row, i) => {
      const { duration_sum: sum, ...rest } = row;
      const { duration_sum: writtenSum, ...writtenRest } = written[i]!;
      expect(rest).toEqual(writtenRest);
      expect(sum).toBeCloseTo(writtenSum as number, 6);
    });
    temp.store = EmbeddedLogStore.open(loadConfig(temp.env, undefined));
  });

  it('upgrades a version 3 file in place: its rows and key kept, the same figures, the app-led indexes added', async () => {
    temp = openTempStore();
    const docs = Array.from({ length: 4_000 }, (_, i) =>
      logDocument({
        time: NOW - 5 * 3_600_000 + i * 4_600,
        app: i % 9 === 0 ? undefined : `app-${i % 4}`,
        key: i % 13 === 0 ? undefined : `k${i % 5}`,
        duration: i % 11 === 0 ? undefined : (i * 37) % 900,
        level: i % 3 === 0 ? 'error' : 'info',
      }),
    );
    for (let i = 0; i < docs.length; i += 700) temp.store.ingestDocuments(docs.slice(i, i + 700));
    const range = { from: NOW - 5 * 3_600_000 + 12_345, to: NOW + 8 * 60_000 + 999 };
    const windows = ['app-1', 'app-2'].flatMap((app) =>
      [range, { from: NOW - 3_600_000 - 4_321, to: NOW + 1 }].map((r) => ({
        app,
        messageKey: app === 'app-1' ? null : 'k2',
        perKey: false,
        maxSeries: 10,
        range: r,
        statistic: 'p95' as const,
        countAboveMs: 300,
      })),
    );
    const figuresOf = async (store: EmbeddedLogStore) => ({
      summary: await store.summary(range),
      summaryOfApp: await store.summary(range, 'app-1'),
      series: await store.timeseries(range, 5 * 60_000),
      seriesOfApp: await store.timeseries(range, 15 * 60_000, 'app-1'),
      apps: await store.appStats(range, 3),
      page: await store.appPage(range, { keysPerApp: 2, sort: undefined, page: 1, perPage: 2, violations: new Map() }),
      windows: await store.windowStats(windows),
    });
    const expected = await figuresOf(temp.store);
    expect(expected.windows[0]![0]!.above).toBeGreaterThan(0);
    const key = temp.store.key;
    await temp.store.close();

    // A version 3 file (its DDL as version 3 wrote it) holding the same rows.
    const path = join(temp.dir, 'v3.db');
    const db = new SQLite(path);
    db.pragma('journal_mode = WAL');
    db.exec(VERSION_3_DDL);
    db.prepare('ATTACH DATABASE ? AS current').run(temp.path);
    const counts: Record<string, number> = {};
    for (const table of V3_TABLES) {
      db.exec(`INSERT INTO main.${table} SELECT * FROM current.${table}`);
      counts[table] = (db.prepare(`SELECT count(*) AS n FROM main.${table}`).get() as { n: number }).n;
    }
    db.exec('DETACH DATABASE current');
    db.pragma('user_version = 3');
    db.close();
    expect(counts.logs).toBe(docs.length);

    const env = { ...temp.env, EMBEDDED_LOG_DB: path };
    temp.store = EmbeddedLogStore.open(loadConfig(env, undefined));
    expect(temp.store.key).toBe(key);
    expect(await figuresOf(temp.store)).toEqual(expected);
    await temp.store.close();

    const upgraded = new SQLite(path, { readonly: true });
    expect(upgraded.pragma('user_version', { simple: true })).toBe(4);
    for (const table of V3_TABLES) {
      expect((upgraded.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n).toBe(counts[table]);
    }
    const indexes = upgraded
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'rollup%' ORDER BY name")
      .all()
      .map((row) => (row as { name: string }).name);
    expect(indexes).toEqual(['rollup_levels_app', 'rollup_series_app', 'rollup_stats_app']);
    upgraded.close();
    // Opened again: nothing left to upgrade, the same figures.
    temp.store = EmbeddedLogStore.open(loadConfig(env, undefined));
    expect(await figuresOf(temp.store)).toEqual(expected);
  });

  it('keeps its key and its logs across reopening; a new file gets a new key', async () => {
    temp = openTempStore();
    const key = temp.store.key;
    expect(key).toMatch(/^embedded:[0-9a-f-]{36}$/);
    temp.store.ingestLines(linesOf([logDocument({ time: NOW, app: 'a' })]));
    const store = await temp.reopen();
    expect(store.key).toBe(key);
    expect((await store.summary({ from: NOW, to: NOW + 1 })).totalLogs).toBe(1);

    const other = openTempStore();
    try {
      expect(other.store.key).not.toBe(key);
    } finally {
      await other.cleanup();
    }
  });

  it('refuses a file with a newer schema', async () => {
    temp = openTempStore();
    await temp.store.close();
    const db = new SQLite(temp.path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => EmbeddedLogStore.open(loadConfig(temp!.env, undefined))).toThrow(/schema version 99/);
    temp.store = EmbeddedLogStore.open(loadConfig({ ...temp.env, EMBEDDED_LOG_DB: ':memory:' }, undefined));
  });

  it('reports health, and close can be called twice', async () => {
    temp = openTempStore();
    const health = await temp.store.health();
    expect(health.ok).toBe(true);
    expect(health.description).toContain('embedded SQLite');
    expect(health.version).toMatch(/^3\.\d+/);
    await temp.store.close();
    await temp.store.close();
    expect((await temp.store.health()).ok).toBe(false);
  });
});

describe('ingest', () => {
  it('accepts valid documents and reports each rejected line with its number and reason', async () => {
    temp = openTempStore();
    const result = temp.store.ingestLines([
      { lineNumber: 1, text: JSON.stringify(logDocument({ time: NOW, app: 'a', duration: 5 })) },
      { lineNumber: 2, text: '{"app_name":"a"}' },
      { lineNumber: 4, text: '{not json' },
      { lineNumber: 5, text: '[1,2]' },
      { lineNumber: 6, text: '{"@timestamp":"soon"}' },
      { lineNumber: 7, error: 'line longer than 10 characters' },
      { lineNumber: 8, text: JSON.stringify(logDocument({ time: NOW + 1, app: 'b' })) },
    ]);
    expect(result.accepted).toBe(2);
    expect(result.rejected).toBe(5);
    expect(result.errors).toEqual([
      { line: 2, reason: 'missing @timestamp' },
      { line: 4, reason: expect.stringMatching(/^invalid JSON: /) },
      { line: 5, reason: 'not a JSON object' },
      { line: 6, reason: '@timestamp is not an ISO 8601 time or epoch milliseconds between 1970-01-01 and 9999-12-31' },
      { line: 7, reason: 'line longer than 10 characters' },
    ]);
    expect((await temp.store.summary({ from: NOW, to: NOW + 2 })).totalLogs).toBe(2);
  });

  it('counts every rejected line but lists only the first 20', () => {
    temp = openTempStore();
    const lines = Array.from({ length: 30 }, (_, i) => ({ lineNumber: i + 1, text: '{}' }));
    const result = temp.store.ingestLines(lines);
    expect(result.rejected).toBe(30);
    expect(result.errors).toHaveLength(20);
    expect(result.errors[19]).toEqual({ line: 20, reason: 'missing @timestamp' });
  });

  it('ingests parsed documents, numbering them from 1', async () => {
    temp = openTempStore();
    const result = temp.store.ingestDocuments([logDocument({ time: NOW, app: 'a' }), { nope: 1 }, 'x']);
    expect(result).toEqual({
      accepted: 1,
      rejected: 2,
      errors: [
        { line: 2, reason: 'missing @timestamp' },
        { line: 3, reason: 'not a JSON object' },
      ],
    });
  });

  it('keeps the raw document as sent', async () => {
    temp = openTempStore();
    const text = '{"@timestamp":"2026-06-01T12:00:00Z","app_name":"a","extra":{"deep":[1,2]}}';
    temp.store.ingestLines([{ lineNumber: 1, text }]);
    await temp.store.close();
    const db = new SQLite(temp.path, { readonly: true });
    expect(db.prepare('SELECT raw FROM logs').pluck().get()).toBe(text);
    db.close();
    temp.store = EmbeddedLogStore.open(loadConfig(temp.env, undefined));
  });

  it('reads the ecs preset when configured', async () => {
    temp = openTempStore({ LOG_FIELDS: 'ecs' });
    temp.store.ingestDocuments([
      {
        '@timestamp': new Date(NOW).toISOString(),
        service: { name: 'pay' },
        event: { action: 'charge', duration: 3_000_000 },
        trace: { id: 't1' },
        log: { level: 'WARN' },
      },
    ]);
    expect(await temp.store.trace('t1', 10)).toEqual([
      {
        sourceId: '1',
        time: NOW,
        app: 'pay',
        messageKey: 'charge',
        durationMs: 3,
        correlationId: 't1',
        level: 'warn',
        message: null,
      },
    ]);
  });
});

describe('two stores on one file (a logs:import beside the running service)', () => {
  it('one sees what the other ingests, and the sequence stays gap-free across both', async () => {
    temp = openTempStore();
    const other = EmbeddedLogStore.open(loadConfig(temp.env, undefined));
    try {
      expect(other.key).toBe(temp.store.key);
      temp.store.ingestDocuments([logDocument({ time: NOW, app: 'a', duration: 9 })]);
      other.ingestDocuments([
        logDocument({ time: NOW, app: 'a', duration: 8 }),
        logDocument({ time: NOW, app: 'a', duration: 7 }),
      ]);
      temp.store.ingestDocuments([logDocument({ time: NOW, app: 'a', duration: 6 })]);
      const seen: [string, number | null][] = [];
      for await (const batch of other.scan({
        mode: 'checkpoint',
        cursor: '{"seq":0}',
        now: NOW,
        batchSize: 100,
        thresholds: new Map([['a', 0]]),
      })) {
        seen.push(...batch.candidates.map((c): [string, number | null] => [c.sourceId, c.durationMs]));
      }
      expect(seen).toEqual([
        ['1', 9],
        ['2', 8],
        ['3', 7],
        ['4', 6],
      ]);
      expect((await temp.store.summary({ from: NOW, to: NOW + 1 })).totalLogs).toBe(4);
    } finally {
      await other.close();
    }
  });
});

describe('trace', () => {
  it('returns every log of a correlation id, oldest first, then in ingest order, up to the limit', async () => {
    temp = openTempStore();
    const day = 86_400_000;
    temp.store.ingestDocuments([
      logDocument({ time: NOW + 3000, app: 'b', correlation: 'req-1', message: 'third' }),
      logDocument({ time: NOW - 2 * day, app: 'a', correlation: 'req-1', message: 'first' }),
      logDocument({ time: NOW, app: 'c', correlation: 'req-2' }),
      logDocument({ time: NOW + 1000, app: 'a', correlation: 'req-1', message: 'second-a' }),
      logDocument({ time: NOW + 1000, app: 'a', correlation: 'req-1', message: 'second-b' }),
      logDocument({ time: NOW + 1000, app: 'a', message: 'no correlation' }),
    ]);
    temp.store.ingestDocuments([
      logDocument({ time: NOW + 5 * 3_600_000, app: 'z', correlation: 'req-1', message: 'later' }),
    ]);
    const trace = await temp.store.trace('req-1', 100);
    expect(trace.map((log) => log.message)).toEqual(['first', 'second-a', 'second-b', 'third', 'later']);
    expect((await temp.store.trace('req-1', 2)).map((log) => log.message)).toEqual(['first', 'second-a']);
    expect(await temp.store.trace('unknown', 10)).toEqual([]);
  });
});
