import type { AppContext } from '../app/context.js';
import { migrationState } from '../db/migrate.js';
import { CommandError } from './run.js';

/** Commands that use the state database refuse to run on a schema that is behind. */
export async function requireCurrentSchema(ctx: AppContext): Promise<void> {
  const { pending } = await migrationState(ctx.state);
  if (pending.length > 0) {
    throw new CommandError(`the state database schema is behind (${pending.length} pending); run \`lagwatch migrate\``);
  }
}
