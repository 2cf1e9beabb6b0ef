// How an audit entry is chained to the one before: sha256 over a canonical text of its fields and
// the previous entry's hash. Pure: the hash function is passed in (core has no node:crypto).
import type { AuditEntry, NewAuditEntry } from './audit-entry.ts';

/** What entry 1 chains to: 64 zeros, a value no sha256 of a real entry will ever be. */
export const GENESIS_HASH = '0'.repeat(64);

/** sha256 of UTF-8 text, as lowercase hex. */
export type Sha256 = (text: string) => string;

/**
 * The canonical text hashed for an entry: a JSON array of its fields in a fixed order, with the
 * keys of every object in `before`/`after` sorted, so that the same entry always gives the same
 * text whatever order its JSON came back from the database in. `seq` is in it, so an entry
 * moved to another place in the chain no longer matches its hash.
 */
export function auditEntryText(entry: NewAuditEntry & { seq: number }, prevHash: string): string {
  return JSON.stringify([
    'slipway-audit-v1', entry.seq, entry.at, entry.actor, entry.address, entry.action, entry.target,
    entry.project, entry.outcome, entry.code, entry.message, sorted(entry.before ?? null), sorted(entry.after ?? null), prevHash,
  ]);
}

/** The stored entry for `entry` as number `seq` after an entry whose hash is `prevHash`. */
export function chainAuditEntry(entry: NewAuditEntry, seq: number, prevHash: string, sha256: Sha256): AuditEntry {
  const numbered = { ...entry, before: entry.before ?? null, after: entry.after ?? null, seq };
  return { ...numbered, prevHash, hash: sha256(auditEntryText(numbered, prevHash)) };
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(object).sort().filter((key) => object[key] !== undefined).map((key) => [key, sorted(object[key])]));
}
