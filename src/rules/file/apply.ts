import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import { inTransaction } from '../../db/in-transaction.js';
import type { Database } from '../../db/schema.js';
import type { RulesDocument } from './document.js';
import { computePlan, planStoresOver, type RulesPlan } from './plan.js';

export type { PlanChange, PlanEntry, RulesPlan } from './plan.js';
export { PlanConflictError } from './plan.js';

/** The table_revisions row whose lock serialises applies (it counts them, too). */
const APPLY_LOCK = 'rules_file';

/** The audit log's actor for changes a rules file makes: `file:` and its name (file-name.ts). */
export const fileActor = (name: string): string => `file:${name}`;

/**
 * Makes the stored rules and targets what a checked rules file says, in one transaction: creates
 * what is missing, updates what differs (only what differs: applying the same file again writes
 * nothing, not even an audit row), deletes what the file lacks with `prune`. Applies are
 * serialised by a row lock taken first, so two at once (two processes) do not both create.
 * `dryRun`: the plan only, nothing written. The file is named by its absolute path (see
 * file-name.ts) in `managed_by` and in the audit actor, `file:<absolute path>`.
 */
export async function applyRulesDocument(
  db: Kysely<Database>,
  document: RulesDocument,
  options: { file: string; prune: boolean; dryRun: boolean; now?: () => number },
): Promise<RulesPlan> {
  const planOptions = { file: options.file, prune: options.prune, dryRun: options.dryRun };
  if (options.dryRun) return (await computePlan(planStoresOver(db, options.now), document, planOptions)).plan;
  await ensureLockRow(db);
  return inTransaction(db, async (trx) => {
    await takeApplyLock(trx);
    const stores = planStoresOver(trx, options.now);
    const { plan, steps } = await computePlan(stores, document, planOptions);
    const actor = fileActor(plan.managed_file);
    for (const step of steps) await step(stores, actor);
    return plan;
  });
}

/**
 * The lock's row exists from the first apply on (inserted before the apply's transaction: a
 * failed insert would end a PostgreSQL transaction).
 */
async function ensureLockRow(db: Kysely<Database>): Promise<void> {
  const row = await db
    .selectFrom('table_revisions')
    .select('revision')
    .where('table_name', '=', APPLY_LOCK)
    .executeTakeFirst();
  if (row) return;
  try {
    await db.insertInto('table_revisions').values({ table_name: APPLY_LOCK, revision: 0 }).execute();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
}

/**
 * Locks the row until the transaction ends: a second apply waits here, then reads what the
 * first one committed (SQLite transactions take the database's write lock when they begin).
 */
async function takeApplyLock(trx: Transaction<Database>): Promise<void> {
  await trx
    .updateTable('table_revisions')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('table_name', '=', APPLY_LOCK)
    .execute();
}
