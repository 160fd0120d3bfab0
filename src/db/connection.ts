import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import type { DatabaseConfig, DbDriver } from '../config/config.js';
import type { Database } from './schema.js';

export interface StateDb {
  readonly driver: DbDriver;
  readonly db: Kysely<Database>;
  /** The server's own version string, e.g. "10.11.6-MariaDB" or "3.45.1". */
  serverVersion(): Promise<string>;
  close(): Promise<void>;
}

export function openStateDb(config: DatabaseConfig): StateDb {
  const db = new Kysely<Database>({ dialect: dialectFor(config) });
  return {
    driver: config.driver,
    db,
    serverVersion: () => serverVersion(db, config.driver),
    close: () => db.destroy(),
  };
}

function dialectFor(config: DatabaseConfig) {
  switch (config.driver) {
    case 'sqlite':
      return new WriteFirstSqliteDialect({ database: async () => openSqliteFile(config.database) });
    case 'mysql':
      return new MysqlDialect({
        // Each driver's client library is loaded only when that driver is used.
        pool: async () => {
          const { createPool } = await import('mysql2');
          return createPool({
            host: config.host,
            port: config.port,
            user: config.username,
            password: config.password,
            database: config.database,
            connectionLimit: 10,
            supportBigNumbers: true,
            decimalNumbers: true,
            timezone: 'Z',
            connectTimeout: 5_000,
          });
        },
      });
    case 'postgres':
      return new PostgresDialect({
        pool: async () => {
          const { default: pg } = await import('pg');
          // BIGINT (int8) and NUMERIC come back as strings; every value we store fits a double.
          pg.types.setTypeParser(20, (value) => Number(value));
          pg.types.setTypeParser(1700, (value) => Number(value));
          return new pg.Pool({
            host: config.host,
            port: config.port,
            user: config.username,
            password: config.password,
            database: config.database,
            max: 10,
            connectionTimeoutMillis: 5_000,
          });
        },
      });
  }
}

/**
 * SQLite transactions that take the write lock when they begin (`BEGIN IMMEDIATE`). A deferred
 * transaction that reads first and then writes cannot wait for another process's writer: when
 * that writer commits in between, SQLite answers "database is locked" at once, whatever the
 * busy timeout (two `log:alert-scan` processes over one state file did). Taking the lock first
 * lets the busy timeout wait for it instead.
 */
class WriteFirstSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class WriteFirstSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new WriteFirstSqliteDriver(this.#config);
  }
}

/** Opens a SQLite file in WAL mode, creating its folder; shared with the embedded log store. */
export function openSqliteFile(path: string): SQLite.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  return database;
}

async function serverVersion(db: Kysely<Database>, driver: DbDriver): Promise<string> {
  const query =
    driver === 'sqlite'
      ? sql<{ v: string }>`select sqlite_version() as v`
      : driver === 'mysql'
        ? sql<{ v: string }>`select version() as v`
        : sql<{ v: string }>`show server_version`;
  const { rows } = await query.execute(db);
  const row = rows[0] as Record<string, string> | undefined;
  return row ? String(Object.values(row)[0]) : 'unknown';
}
