import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import type { DatabaseConfig, DbDriver } from '../../src/config/config.js';
import { openStateDb, type StateDb } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/**
 * The database drivers a suite runs over: SQLite always, MariaDB/MySQL when TEST_MYSQL_URL is
 * set, PostgreSQL when TEST_POSTGRES_URL is set. Each test database is created fresh with a
 * unique name, so suites can run in parallel, and dropped afterwards.
 */
export interface DriverUnderTest {
  driver: DbDriver;
  /** Why the driver is skipped, or undefined when it runs. */
  skipReason: string | undefined;
  /** Creates an empty database and returns its configuration and a drop function. */
  createDatabase(): Promise<{ config: DatabaseConfig; drop: () => Promise<void> }>;
}

const uniqueName = () => `lagwatch_t_${process.pid}_${randomBytes(4).toString('hex')}`;

function sqliteDriver(): DriverUnderTest {
  return {
    driver: 'sqlite',
    skipReason: undefined,
    async createDatabase() {
      const dir = mkdtempSync(join(tmpdir(), 'lagwatch-test-'));
      return {
        config: {
          driver: 'sqlite',
          host: '',
          port: 0,
          database: join(dir, 'state.db'),
          username: '',
          password: undefined,
        },
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
}

function mysqlDriver(url: string | undefined): DriverUnderTest {
  return {
    driver: 'mysql',
    skipReason: url ? undefined : 'TEST_MYSQL_URL is not set',
    async createDatabase() {
      const parsed = new URL(url as string);
      const name = uniqueName();
      const admin = await createConnection({
        host: parsed.hostname,
        port: Number(parsed.port || 3306),
        user: decodeURIComponent(parsed.username || 'root'),
        password: decodeURIComponent(parsed.password),
      });
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      return {
        config: {
          driver: 'mysql',
          host: parsed.hostname,
          port: Number(parsed.port || 3306),
          database: name,
          username: decodeURIComponent(parsed.username || 'root'),
          password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
        },
        drop: async () => {
          await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
          await admin.end();
        },
      };
    },
  };
}

function postgresDriver(url: string | undefined): DriverUnderTest {
  return {
    driver: 'postgres',
    skipReason: url ? undefined : 'TEST_POSTGRES_URL is not set',
    async createDatabase() {
      const parsed = new URL(url as string);
      const name = uniqueName();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      return {
        config: {
          driver: 'postgres',
          host: parsed.hostname,
          port: Number(parsed.port || 5432),
          database: name,
          username: decodeURIComponent(parsed.username || 'postgres'),
          password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
        },
        drop: async () => {
          // pg's Pool.end() resolves before its connections have finished closing; terminating
          // them with FORCE then raises an uncaught error in the closing client. Wait for them.
          for (let i = 0; i < 100; i += 1) {
            const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
              name,
            ]);
            if (rows[0].n === 0) break;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          await admin.end();
        },
      };
    },
  };
}

export function driversUnderTest(env: NodeJS.ProcessEnv = process.env): DriverUnderTest[] {
  const drivers = [sqliteDriver(), mysqlDriver(env.TEST_MYSQL_URL), postgresDriver(env.TEST_POSTGRES_URL)];
  requireServices(drivers.map((d) => d.skipReason));
  return drivers;
}

/** In CI (LAGWATCH_REQUIRE_SERVICES=1) a service suite must run: a missing URL is an error. */
export function requireServices(skipReasons: (string | undefined)[], env: NodeJS.ProcessEnv = process.env): void {
  if (env.LAGWATCH_REQUIRE_SERVICES !== '1') return;
  const missing = skipReasons.filter((r): r is string => r !== undefined);
  if (missing.length > 0) throw new Error(`LAGWATCH_REQUIRE_SERVICES=1 but ${missing.join('; ')}`);
}

/** Redis for tests: TEST_REDIS_URL, or undefined with a reason (an error in CI). */
export function redisUnderTest(env: NodeJS.ProcessEnv = process.env): {
  url: string | undefined;
  skipReason: string | undefined;
} {
  const url = env.TEST_REDIS_URL;
  const skipReason = url ? undefined : 'TEST_REDIS_URL is not set';
  requireServices([skipReason], env);
  return { url, skipReason };
}

/** Prints one clear line per skipped driver, once per test file. */
export function announceSkips(drivers: DriverUnderTest[], suite: string): void {
  for (const d of drivers) {
    if (d.skipReason) console.warn(`[${suite}] SKIPPED ${d.driver} suite: ${d.skipReason}`);
  }
}

/** A migrated state database for one test; `close` drops it. */
export async function migratedStateDb(
  driver: DriverUnderTest,
): Promise<{ state: StateDb; config: DatabaseConfig; close: () => Promise<void> }> {
  const { config, drop } = await driver.createDatabase();
  const state = openStateDb(config);
  await migrateToLatest(state);
  return {
    state,
    config,
    close: async () => {
      await state.close();
      await drop();
    },
  };
}
