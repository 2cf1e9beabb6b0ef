// Runs work in a transaction over whatever handle a sub-store holds: the database (a transaction
// of its own) or a transaction already open (inline, since Kysely cannot nest `transaction()`).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './tables.ts';

/**
 * Runs `work` atomically: in a new transaction over `db`, or, when `db` is already a transaction
 * (a sub-store used inside `Store.transaction`), inline in it, so that the outer transaction
 * commits or rolls back everything together.
 */
export function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute((trx: Transaction<Database>) => work(trx));
}
