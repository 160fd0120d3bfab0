import { randomUUID } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import { mergeEncoded } from './histogram.js';

/**
 * 2 added rollup_series, 3 the ingest ledger, 4 the app-led rollup indexes (older files are
 * migrated when opened).
 */
export const SCHEMA_VERSION = 4;

/** Rollup periods, longest first: whole hours and whole minutes of a range come from rollups. */
export const HOUR_MS = 3_600_000;
export const FIVE_MINUTES_MS = 300_000;
export const MINUTE_MS = 60_000;
/** Spans of rollup_stats and rollup_levels (per app and message key, per app and level). */
export const ROLLUP_SPANS = [HOUR_MS, MINUTE_MS] as const;
/** Spans of rollup_series (per app, and all apps together). */
export const SERIES_SPANS = [HOUR_MS, FIVE_MINUTES_MS, MINUTE_MS] as const;

/** rollup_series.scope: a row for all logs of the period, or for the logs of one app. */
export const SCOPE_ALL = 0;
export const SCOPE_APP = 1;

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

/**
 * Version 2: per-app and all-apps rollups, so that a time series reads one row per bucket
 * period (or per period and app) instead of one per period, app and message key. The
 * 5-minute span serves the 5-, 10-, 15- and 30-minute buckets of day-long dashboards.
 * `scope` tells the all-apps row from the per-app rows, since any app name, '' (logs without
 * app) included, is a per-app row.
 */
const CREATE_V2 = `
CREATE TABLE rollup_series (
  span INTEGER NOT NULL,
  start INTEGER NOT NULL,
  scope INTEGER NOT NULL,
  app TEXT NOT NULL,
  count INTEGER NOT NULL,
  duration_count INTEGER NOT NULL,
  duration_sum REAL NOT NULL,
  duration_max REAL,
  histogram BLOB,
  PRIMARY KEY (span, start, scope, app)
) WITHOUT ROWID;
`;

/**
 * Version 3: what makes every log stored once (see ingest-ledger.ts), written in the same
 * transaction as the logs it covers. `ingest_keys`: the Idempotency-Key of each POST /ingest
 * of the last 24 hours with a digest of its body and its answer. `import_progress`: per file
 * that logs:import read, the lines committed so far and a fingerprint of the file's head.
 */
const CREATE_V3 = `
CREATE TABLE IF NOT EXISTS ingest_keys (
  key TEXT PRIMARY KEY,
  body_sha256 TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ingest_keys_created ON ingest_keys (created_at);

CREATE TABLE IF NOT EXISTS import_progress (
  path TEXT PRIMARY KEY,
  head_bytes INTEGER NOT NULL,
  head_sha256 TEXT NOT NULL,
  lines INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * Version 4: the rollups' primary keys lead with the period, so a read of one app over a long
 * range (an SLO's 28 days of hour rows, the dashboard filtered to one app) stepped every app's
 * rows of the range. These indexes let it read only the app's (bench/README.md, slo). They cost
 * ingest only when a new (period, app, …) row is written: a row's later updates leave them be.
 */
const CREATE_V4 = `
CREATE INDEX IF NOT EXISTS rollup_stats_app ON rollup_stats (app, span, start);
CREATE INDEX IF NOT EXISTS rollup_levels_app ON rollup_levels (app, span, start);
CREATE INDEX IF NOT EXISTS rollup_series_app ON rollup_series (app, span, start);
`;

/**
 * Fills rollup_series of a version 1 file from its rollup_stats: minute and hour rows per app
 * and for all apps, and 5-minute rows from the minute rows.
 */
function migrateV1toV2(db: SQLite.Database): void {
  db.aggregate('lagwatch_histogram_sum', {
    start: () => null as Buffer | null,
    step: (sum: Buffer | null, histogram: Uint8Array | null) => mergeEncoded(sum, histogram),
  });
  const sums = `sum(count), sum(duration_count), sum(duration_sum), max(duration_max), lagwatch_histogram_sum(histogram)`;
  db.exec(CREATE_V2);
  db.exec(`
    INSERT INTO rollup_series (span, start, scope, app, count, duration_count, duration_sum, duration_max, histogram)
      SELECT span, start, ${SCOPE_APP}, app, ${sums} FROM rollup_stats GROUP BY span, start, app;
    INSERT INTO rollup_series (span, start, scope, app, count, duration_count, duration_sum, duration_max, histogram)
      SELECT span, start, ${SCOPE_ALL}, '', ${sums} FROM rollup_series WHERE scope = ${SCOPE_APP} GROUP BY span, start;
    INSERT INTO rollup_series (span, start, scope, app, count, duration_count, duration_sum, duration_max, histogram)
      SELECT ${FIVE_MINUTES_MS}, start / ${FIVE_MINUTES_MS} * ${FIVE_MINUTES_MS} AS five, scope, app, ${sums}
      FROM rollup_series WHERE span = ${MINUTE_MS} GROUP BY five, scope, app;`);
}

/**
 * Creates, migrates or checks the schema; returns the store's id (stable for the life of the
 * file). A file of a newer version (a newer lagwatch wrote it) is refused.
 */
export function prepareSchema(db: SQLite.Database): string {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `embedded log store ${db.name} has schema version ${version}; this lagwatch knows up to ${SCHEMA_VERSION} (upgrade lagwatch, or delete the file to start afresh)`,
    );
  }
  if (version < SCHEMA_VERSION) {
    db.transaction(() => {
      // Another process may have created or migrated it while this one waited for the write lock.
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= SCHEMA_VERSION) return;
      if (current < 1) {
        db.exec(CREATE_V1);
        db.exec(CREATE_V2);
        db.prepare('INSERT INTO store_meta (name, value) VALUES (?, ?)').run('store_id', randomUUID());
      } else if (current < 2) {
        migrateV1toV2(db);
      }
      if (current < 3) db.exec(CREATE_V3);
      if (current < 4) db.exec(CREATE_V4);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
  const row = db.prepare('SELECT value FROM store_meta WHERE name = ?').get('store_id') as { value: string };
  return row.value;
}
