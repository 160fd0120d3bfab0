import { randomUUID } from 'node:crypto';
import type SQLite from 'better-sqlite3';

export const SCHEMA_VERSION = 1;

/** Rollup periods, longest first: whole hours and whole minutes of a range come from rollups. */
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export const ROLLUP_SPANS = [HOUR_MS, MINUTE_MS] as const;

/**
 * `seq` is AUTOINCREMENT so that it never goes back, even when retention empties the table:
 * it is the scan cursor. Rollups store a missing app or message key as '' (never a real value:
 * field mapping turns empty strings into null) because primary key columns cannot be null.
 *
 * Two indexes only, each measured (bench/ingest.ts): time (ragged edges, range scans, lookback,
 * retention) and correlation. An (app, time) index cost about 20% of ingest CPU and would only
 * help range-mode scans and app-filtered ragged edges, which the time index serves well enough.
 *
 * The correlation index leads with the minute: ingest then only touches the index pages of
 * the current minutes instead of random pages all over an index of random ids (measured: a
 * plain correlation_id index more than halved ingest speed). A trace looks the id up in each
 * minute that has logs (see EmbeddedLogStore.trace).
 */
const CREATE_V1 = `
CREATE TABLE logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  app TEXT,
  message_key TEXT,
  duration_ms REAL,
  correlation_id TEXT,
  level TEXT,
  message TEXT,
  raw TEXT NOT NULL
);
CREATE INDEX logs_time ON logs (time);
CREATE INDEX logs_correlation ON logs (time / 60000, correlation_id) WHERE correlation_id IS NOT NULL;

CREATE TABLE rollup_stats (
  span INTEGER NOT NULL,
  start INTEGER NOT NULL,
  app TEXT NOT NULL,
  message_key TEXT NOT NULL,
  count INTEGER NOT NULL,
  duration_count INTEGER NOT NULL,
  duration_sum REAL NOT NULL,
  duration_max REAL,
  -- duration histogram, see histogram.ts (null when no log of the group has a duration)
  histogram BLOB,
  PRIMARY KEY (span, start, app, message_key)
) WITHOUT ROWID;

CREATE TABLE rollup_levels (
  span INTEGER NOT NULL,
  start INTEGER NOT NULL,
  app TEXT NOT NULL,
  level TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (span, start, app, level)
) WITHOUT ROWID;

CREATE TABLE store_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

/** Creates or checks the schema; returns the store's id (stable for the life of the file). */
export function prepareSchema(db: SQLite.Database): string {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`embedded log store has schema version ${version}; this lagwatch knows up to ${SCHEMA_VERSION}`);
  }
  if (version < 1) {
    db.transaction(() => {
      // Another process may have created it while this one waited for the write lock.
      if ((db.pragma('user_version', { simple: true }) as number) >= 1) return;
      db.exec(CREATE_V1);
      db.prepare('INSERT INTO store_meta (name, value) VALUES (?, ?)').run('store_id', randomUUID());
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
  const row = db.prepare('SELECT value FROM store_meta WHERE name = ?').get('store_id') as { value: string };
  return row.value;
}
