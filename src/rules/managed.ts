import { ConflictError } from '../validation/problems.js';
import type { Managed, WriteOptions } from './types.js';

/**
 * Refuses a user's change to a rule or target a rules file manages: the file is where it is
 * changed. A change made with `managedBy` (a path, or null to release it) is the rules file's
 * own (rules as code's apply) and goes through.
 */
export function refuseManagedChange(entity: Managed, what: string, options: WriteOptions): void {
  if (entity.managed_file === null || options.managedBy !== undefined) return;
  throw new ConflictError(
    `this ${what} is managed by ${entity.managed_file}; change it there (or remove it from the file and apply)`,
    'managed_by_file',
  );
}
