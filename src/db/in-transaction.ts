import type { Kysely, Transaction } from 'kysely';

/**
 * Runs `work` in a transaction: in `db` itself when it already is one (a caller that makes
 * several changes as one, such as rules as code applying a file), else in a new one.
 */
export function inTransaction<DB, T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<DB>);
  return db.transaction().execute(work);
}
