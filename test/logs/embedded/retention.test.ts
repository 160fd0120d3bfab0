import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { EmbeddedLogStore } from '../../../src/logs/embedded/embedded-log-store.js';
import { logDocument } from '../../support/log-documents.js';
import { openTempStore, type TempStore } from './temp-store.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 10, 12, 30, 0);
let temp: TempStore | undefined;

afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

function countRows(path: string) {
  const db = new SQLite(path, { readonly: true });
  try {
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      logs: count('SELECT count(*) FROM logs'),
      oldRollups: count(`SELECT count(*) FROM rollup_stats WHERE start < ${NOW - 3 * DAY - HOUR}`),
      oldLevels: count(`SELECT count(*) FROM rollup_levels WHERE start < ${NOW - 3 * DAY - HOUR}`),
      oldSeries: count(`SELECT count(*) FROM rollup_series WHERE start < ${NOW - 3 * DAY - HOUR}`),
      series: count('SELECT count(*) FROM rollup_series'),
      rollups: count('SELECT count(*) FROM rollup_stats'),
    };
  } finally {
    db.close();
  }
}

describe('retention', () => {
  it('deletes logs and rollups older than EMBEDDED_RETENTION_DAYS, cut at a whole hour, in chunks', async () => {
    temp = openTempStore({ EMBEDDED_RETENTION_DAYS: '3' });
    const old = Array.from({ length: 25_000 }, (_, i) =>
      logDocument({
        time: NOW - 5 * DAY + (i % 1000) * 60_000,
        app: `a${i % 3}`,
        key: 'k',
        duration: i % 500,
        level: 'info',
      }),
    );
    const recent = Array.from({ length: 300 }, (_, i) =>
      logDocument({
        time: NOW - 2 * DAY + i * 1000,
        app: 'a1',
        duration: 10,
        correlation: i === 0 ? 'keep' : undefined,
      }),
    );
    // Just inside the hour that holds the cutoff (now - 3 days = 12:30): kept with its hour.
    const edge = logDocument({ time: NOW - 3 * DAY - 10 * 60_000, app: 'a1', duration: 1 });
    temp.store.ingestDocuments([...old, edge, ...recent]);

    const before = await temp.store.summary({ from: NOW - 10 * DAY, to: NOW });
    expect(before.totalLogs).toBe(25_301);

    const result = await temp.store.prune(NOW);
    expect(result.logs).toBe(25_000);
    expect(result.rollupRows).toBeGreaterThan(0);

    const after = await temp.store.summary({ from: NOW - 10 * DAY, to: NOW });
    expect(after.totalLogs).toBe(301);
    const series = await temp.store.timeseries({ from: NOW - 10 * DAY, to: NOW }, DAY);
    expect(series.reduce((sum, b) => sum + b.count, 0)).toBe(301);
    expect((await temp.store.trace('keep', 10)).length).toBe(1);

    await temp.store.close();
    const rows = countRows(temp.path);
    expect(rows.logs).toBe(301);
    expect(rows.oldRollups).toBe(0);
    expect(rows.oldLevels).toBe(0);
    expect(rows.oldSeries).toBe(0);
    expect(rows.rollups).toBeGreaterThan(0);
    expect(rows.series).toBeGreaterThan(0);
    temp.store = EmbeddedLogStore.open(loadConfig(temp.env, undefined));

    expect(await temp.store.prune(NOW)).toEqual({ logs: 0, rollupRows: 0 });
  });

  it('the sequence keeps growing after retention emptied the store, so cursors stay valid', async () => {
    temp = openTempStore({ EMBEDDED_RETENTION_DAYS: '1' });
    temp.store.ingestDocuments([logDocument({ time: NOW - 5 * DAY, app: 'a', duration: 5 })]);
    let cursor: string | undefined;
    for await (const batch of temp.store.scan({
      mode: 'checkpoint',
      cursor: '{"seq":0}',
      now: NOW,
      batchSize: 10,
      thresholds: new Map([['a', 1]]),
    })) {
      cursor = batch.cursor;
    }
    expect(JSON.parse(cursor!).seq).toBe(1);
    await temp.store.prune(NOW);
    await temp.reopen();
    temp.store.ingestDocuments([logDocument({ time: NOW, app: 'a', duration: 5 })]);
    const found: string[] = [];
    for await (const batch of temp.store.scan({
      mode: 'checkpoint',
      cursor,
      now: NOW,
      batchSize: 10,
      thresholds: new Map([['a', 1]]),
    })) {
      found.push(...batch.candidates.map((c) => c.sourceId));
    }
    expect(found).toEqual(['2']);
  });
});
