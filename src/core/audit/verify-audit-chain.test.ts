import { describe, expect, it } from 'vitest';
import { chainAuditEntry, GENESIS_HASH } from './audit-chain.ts';
import type { AuditEntry, NewAuditEntry } from './audit-entry.ts';
import { AuditChainVerifier, verifyAuditChain } from './verify-audit-chain.ts';

// core is pure (no node:crypto): the chain's logic is tested with a stand-in digest, FNV-1a over
// eight seeds, 64 hex digits like sha256. The stores' contract tests use the real sha256.
function sha256(text: string): string {
  let hex = '';
  for (let seed = 0; seed < 8; seed++) {
    let h = (0x811c9dc5 ^ seed) >>> 0;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    hex += h.toString(16).padStart(8, '0');
  }
  return hex;
}

function entry(n: number): NewAuditEntry {
  return {
    at: 1_000 + n, actor: 'admin', address: '127.0.0.1', action: 'agent.labels', target: `agent:web-${n}`, project: null,
    outcome: 'ok', code: null, message: null, before: { env: 'testing', role: 'web' }, after: { role: 'web', env: 'production' },
  };
}

function chain(length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let seq = 1; seq <= length; seq++) entries.push(chainAuditEntry(entry(seq), seq, entries.at(-1)?.hash ?? GENESIS_HASH, sha256));
  return entries;
}

const headOf = (entries: AuditEntry[]) => ({ seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash });

describe('verifyAuditChain', () => {
  it('accepts an empty log without a head and an intact chain ending at its head', () => {
    expect(verifyAuditChain([], undefined, sha256)).toEqual({ ok: true, entries: 0, head: GENESIS_HASH });
    const entries = chain(5);
    expect(verifyAuditChain(entries, headOf(entries), sha256)).toEqual({ ok: true, entries: 5, head: entries[4]!.hash });
  });

  it('gives the same hash whatever order the keys of before/after come back in', () => {
    const [first] = chain(1);
    const reordered = { ...first!, after: { env: 'production', role: 'web' } };
    expect(verifyAuditChain([reordered], headOf([first!]), sha256).ok).toBe(true);
  });

  it('names an entry whose field was changed', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, actor: 'mallory' };
    expect(verifyAuditChain(entries, headOf(entries), sha256)).toMatchObject({ ok: false, seq: 3, problem: 'changed' });
  });

  it('names a deleted entry, in the middle and at the end', () => {
    const entries = chain(5);
    expect(verifyAuditChain([...entries.slice(0, 2), ...entries.slice(3)], headOf(entries), sha256)).toMatchObject({ ok: false, seq: 3, problem: 'deleted' });
    expect(verifyAuditChain(entries.slice(0, 4), headOf(entries), sha256)).toMatchObject({ ok: false, seq: 5, problem: 'deleted' });
  });

  it('names an entry inserted with a valid hash of its own, and one appended past the head', () => {
    const entries = chain(4);
    // A forger renumbers entries 3 and 4 and puts a well-hashed entry of their own at 3.
    const forged = chainAuditEntry({ ...entry(9), actor: 'mallory' }, 3, entries[1]!.hash, sha256);
    const shifted = entries.slice(2).map((e) => chainAuditEntry(e, e.seq + 1, e.prevHash, sha256));
    expect(verifyAuditChain([...entries.slice(0, 2), forged, ...shifted], headOf(entries), sha256)).toMatchObject({ ok: false, seq: 4, problem: 'inserted' });
    const appended = chainAuditEntry(entry(5), 5, entries[3]!.hash, sha256);
    expect(verifyAuditChain([...entries, appended], headOf(entries), sha256)).toMatchObject({ ok: false, seq: 5, problem: 'inserted' });
  });

  it('notices the last entry replaced by a well-hashed one', () => {
    const entries = chain(3);
    const replaced = chainAuditEntry({ ...entry(3), actor: 'mallory' }, 3, entries[1]!.hash, sha256);
    expect(verifyAuditChain([...entries.slice(0, 2), replaced], headOf(entries), sha256)).toMatchObject({ ok: false, seq: 3, problem: 'changed' });
  });

  it('verifies page by page as it does all at once', () => {
    const entries = chain(7);
    const verifier = new AuditChainVerifier(sha256);
    for (let i = 0; i < entries.length; i += 3) expect(verifier.feed(entries.slice(i, i + 3))).toBeUndefined();
    expect(verifier.next).toBe(8);
    expect(verifier.end(headOf(entries))).toEqual({ ok: true, entries: 7, head: entries[6]!.hash });
  });
});
