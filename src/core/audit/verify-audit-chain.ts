// Checking the audit log: recompute every entry's hash and follow the chain from the genesis value
// to the chain head, and name the first entry that was changed, deleted or inserted.
import { auditEntryText, GENESIS_HASH, type Sha256 } from './audit-chain.ts';
import type { AuditEntry, AuditHead } from './audit-entry.ts';

export type AuditBreak = 'changed' | 'deleted' | 'inserted';

export type AuditVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; seq: number; problem: AuditBreak; message: string };

/**
 * Verifies entries read in order of `seq`, page by page (the log may be larger than memory), then
 * against the chain head the store keeps. The first break found wins:
 * - `changed`: an entry's fields no longer give its stored hash (an UPDATE in the database);
 * - `deleted`: a number is missing, or the chain ends before the head (the last entries removed);
 * - `inserted`: an entry's prevHash is not the hash of the entry before it, or entries go on past
 *   the head (one added without the chain head, or rehashed after an entry before it changed).
 * Pure: no I/O; the caller reads the pages and passes the hash function.
 */
export class AuditChainVerifier {
  private prevHash = GENESIS_HASH;
  private expected = 1;
  private verdict: AuditVerdict | undefined;

  constructor(private readonly sha256: Sha256) {}

  /** The seq to read from next (entries after `next - 1`). */
  get next(): number {
    return this.expected;
  }

  /** Checks the next entries in order; returns the verdict once the chain is found broken, else undefined. */
  feed(entries: readonly AuditEntry[]): AuditVerdict | undefined {
    for (const entry of entries) {
      if (this.verdict) return this.verdict;
      const expected = this.expected;
      if (entry.seq > expected) return this.broken(expected, 'deleted', `entry ${expected} is missing: the entry after ${expected - 1} is ${entry.seq}`);
      if (entry.seq < expected) return this.broken(entry.seq, 'inserted', `entry ${entry.seq} appears twice or out of order`);
      if (this.sha256(auditEntryText(entry, entry.prevHash)) !== entry.hash) {
        return this.broken(entry.seq, 'changed', `entry ${entry.seq} was changed: its fields no longer give its hash`);
      }
      if (entry.prevHash !== this.prevHash) {
        return this.broken(entry.seq, 'inserted', `entry ${entry.seq} does not follow entry ${entry.seq - 1}: an entry was inserted or rewritten before it`);
      }
      this.prevHash = entry.hash;
      this.expected += 1;
    }
    return this.verdict;
  }

  /** After the last page: the chain must end where the store's chain head (undefined: no entry ever) says. */
  end(head: AuditHead | undefined): AuditVerdict {
    if (this.verdict) return this.verdict;
    const last = this.expected - 1;
    const headSeq = head?.seq ?? 0;
    if (headSeq > last) return this.broken(last + 1, 'deleted', `entry ${last + 1} is missing: the chain head is at entry ${headSeq}, the log ends at ${last}`);
    if (headSeq < last) return this.broken(headSeq + 1, 'inserted', `entry ${headSeq + 1} is past the chain head (entry ${headSeq}): it was added outside Slipway`);
    if (head !== undefined && head.hash !== this.prevHash) return this.broken(last, 'changed', `entry ${last} is not the one the chain head recorded: it was replaced`);
    return { ok: true, entries: last, head: this.prevHash };
  }

  private broken(seq: number, problem: AuditBreak, message: string): AuditVerdict {
    this.verdict = { ok: false, entries: this.expected - 1, seq, problem, message };
    return this.verdict;
  }
}

/** Verifies a whole chain held in memory (tests, small logs): see AuditChainVerifier. */
export function verifyAuditChain(entries: readonly AuditEntry[], head: AuditHead | undefined, sha256: Sha256): AuditVerdict {
  const verifier = new AuditChainVerifier(sha256);
  return verifier.feed(entries) ?? verifier.end(head);
}
