import { type MigrationResult, Migrator } from 'kysely';
import type { StateDb } from './connection.js';
import { migrationsFor } from './migrations/index.js';

export function migratorFor(state: StateDb): Migrator {
  const migrations = migrationsFor(state.driver);
  return new Migrator({
    db: state.db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'lagwatch_migrations',
    migrationLockTableName: 'lagwatch_migrations_lock',
    // Migrations are numbered per piece of work and may land out of order (005 after 008): each
    // is independent of those numbered above it, so a database that ran 008 still takes 005.
    allowUnorderedMigrations: true,
  });
}

/** Applies every pending migration; returns the names applied (empty when up to date). */
export async function migrateToLatest(state: StateDb): Promise<string[]> {
  const { error, results } = await migratorFor(state).migrateToLatest();
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error');
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `migration ${failed.migrationName} failed: ${message}` : message);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export interface MigrationState {
  applied: string[];
  pending: string[];
}

export async function migrationState(state: StateDb): Promise<MigrationState> {
  const all = await migratorFor(state).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}
