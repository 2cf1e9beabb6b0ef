// The Store's port for the audit log, append-only and hash-chained.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { AuditEntry, AuditHead, NewAuditEntry } from '../core/audit/audit-entry.ts';

/** Which audit entries to list, newest first; every field narrows the list. */
export interface AuditFilter {
  actor?: string;
  project?: string;
  /** Only entries at or after this time (ms). */
  since?: number;
  /** Paging back: only entries with a smaller seq. */
  beforeSeq?: number;
  limit: number;
}

/**
 * The audit log: append-only, hash-chained (see core/audit). Nothing here changes or removes an
 * entry; the database's own access is what an attacker would use, and verification catches it.
 */
export interface AuditStore {
  /**
   * Appends `entry` as the next number, chained to the newest entry by its hash, and moves the
   * chain head to it. Serialised with every other append (the chain head's row is locked for the
   * rest of the transaction), so concurrent appends form one chain. Inside `Store.transaction`,
   * the entry commits or rolls back with the rest of the work. Append after the transaction's
   * other writes: the head's lock is then the last one taken (no lock-order deadlock with another
   * transaction) and held only until the commit.
   */
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /**
   * Appends `entries` in their order, as `append` would one after the other, with one move of the
   * chain head for all of them: what a transaction that records many changes (enrollments written
   * together) appends at its end. Nothing for an empty list.
   */
  appendMany(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]>;
  /** Entries matching `filter`, newest first (by seq). */
  list(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Entries with seq greater than `afterSeq`, oldest first: the chain in order, for verification. */
  read(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** The chain head: the newest entry's seq and hash (seq 0 and the genesis hash before the first). */
  head(): Promise<AuditHead>;
}
