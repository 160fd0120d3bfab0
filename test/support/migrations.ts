import type { DbDriver } from '../../src/config/config.js';
import { migrationsFor } from '../../src/db/migrations/index.js';

/** The migrations after `name`, newest first: what migrating down to `name` undoes. */
export function migrationsAfter(driver: DbDriver, name: string): string[] {
  return Object.keys(migrationsFor(driver))
    .filter((later) => later > name)
    .sort()
    .reverse();
}
