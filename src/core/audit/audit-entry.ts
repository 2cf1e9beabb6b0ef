// The audit log's records: who changed what, from where, when, and with what outcome. Kept
// append-only and hash-chained by the store; checked by verifyAuditChain.

/** `ok`: the change was made (in the same transaction as this entry). `refused`: a 401/403. */
export type AuditOutcome = 'ok' | 'refused';

/** What an action hands to the audit log; the store adds the sequence number and the hashes. */
export interface NewAuditEntry {
  /** From the injected Clock, in ms since the epoch. */
  at: number;
  /** The request's principal name ("admin", "bob", "agent:web-1", "join-token", "anonymous"). */
  actor: string;
  /** The request's source address; null when unknown. */
  address: string | null;
  /** What was done, as "noun.verb": `user.add`, `deployment.deploy`, `agent.labels`… */
  action: string;
  /** What it was done to: "user:bob", "project:hello", "agent:web-1", "secret:hello/KEY@production"… */
  target: string;
  /** The project's name, when the action is about one (for filtering); null otherwise. */
  project: string | null;
  outcome: AuditOutcome;
  /** The error code of a refusal; null for `ok`. */
  code: string | null;
  /** A sentence for people: the refusal's message, or what was done. */
  message: string | null;
  /** The setting before and after a change (labels, grants, status…); null where none applies. Never a secret's value. */
  before: unknown;
  after: unknown;
}

/** An entry as stored: numbered from 1 without gaps, chained to the one before by its hash. */
export interface AuditEntry extends NewAuditEntry {
  seq: number;
  /** The hash of entry seq-1, or GENESIS_HASH for entry 1. */
  prevHash: string;
  /** sha256 (hex) of the canonical text of this entry's fields and prevHash: see auditEntryText. */
  hash: string;
}

/** The last entry of the chain as the store's chain head records it; absent before the first entry. */
export interface AuditHead {
  seq: number;
  hash: string;
}
