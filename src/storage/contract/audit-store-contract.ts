// Contract tests of AuditStore: an append-only log chained by hash, in order, one chain even when
// many transactions append at once (PostgreSQL with several connections).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../core/audit/audit-chain.ts';
import type { NewAuditEntry } from '../../core/audit/audit-entry.ts';
import { verifyAuditChain } from '../../core/audit/verify-audit-chain.ts';
import type { Store } from '../store.ts';
import { useStore } from './use-store.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function auditEntry(overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: 1_000, actor: 'admin', address: '127.0.0.1', action: 'agent.labels', target: 'agent:web-1', project: null,
    outcome: 'ok', code: null, message: null, before: { env: 'testing' }, after: { env: 'production' }, ...overrides,
  };
}

async function verify(store: Store) {
  return verifyAuditChain(await store.audit.read(0, 10_000), await store.audit.head(), sha256);
}

export function describeAuditStoreContract(open: () => Promise<Store>): void {
  describe('audit', () => {
    const store = useStore(open);

    it('starts with a head at 0 on the genesis hash, and chains each entry to the one before', async () => {
      expect(await store().audit.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
      const first = await store().audit.append(auditEntry());
      const second = await store().audit.append(auditEntry({ actor: 'bob', before: null, after: null }));
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, actor: 'admin', before: { env: 'testing' } });
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash, before: null, after: null });
      expect(await store().audit.head()).toEqual({ seq: 2, hash: second.hash });
      expect(await store().audit.read(0, 10)).toEqual([first, second]);
      expect(await store().audit.read(1, 10)).toEqual([second]);
      expect(await verify(store())).toMatchObject({ ok: true, entries: 2 });
    });

    it('appends many entries in their order as one piece of the chain, which appends one by one then continue', async () => {
      const first = await store().audit.append(auditEntry());
      expect(await store().audit.appendMany([])).toEqual([]);
      const many = await store().transaction((tx) => tx.audit.appendMany([
        auditEntry({ actor: 'ann' }), auditEntry({ actor: 'bob', before: null }), auditEntry({ actor: 'cy', after: { labels: { env: 'production' } } }),
      ]));
      expect(many.map((e) => [e.seq, e.actor, e.prevHash])).toEqual([[2, 'ann', first.hash], [3, 'bob', many[0]!.hash], [4, 'cy', many[1]!.hash]]);
      const last = await store().audit.append(auditEntry({ actor: 'dan' }));
      expect(last).toMatchObject({ seq: 5, prevHash: many[2]!.hash });
      expect(await store().audit.read(0, 10)).toEqual([first, ...many, last]);
      expect(await store().audit.head()).toEqual({ seq: 5, hash: last.hash });
      expect(await verify(store())).toMatchObject({ ok: true, entries: 5 });
    });

    it('appends more entries at once than one statement could bind the values of', async () => {
      // 14 values an entry: 70,014 in all, past SQLite's 32,766 and PostgreSQL's 65,535.
      const entries = Array.from({ length: 5_001 }, (_, i) => auditEntry({ actor: `agent-${i}`, at: i }));
      const appended = await store().audit.appendMany(entries);
      expect(appended.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      expect(await verify(store())).toEqual({ ok: true, entries: 5_001, head: appended.at(-1)!.hash });
    });

    it('lists newest first, by actor, project and time, and pages back', async () => {
      await store().audit.append(auditEntry({ at: 10, actor: 'bob', project: 'hello' }));
      await store().audit.append(auditEntry({ at: 20, actor: 'ann', project: 'other' }));
      await store().audit.append(auditEntry({ at: 30, actor: 'bob', project: null }));
      const seqs = async (filter: Parameters<Store['audit']['list']>[0]) => (await store().audit.list(filter)).map((e) => e.seq);
      expect(await seqs({ limit: 10 })).toEqual([3, 2, 1]);
      expect(await seqs({ actor: 'bob', limit: 10 })).toEqual([3, 1]);
      expect(await seqs({ project: 'hello', limit: 10 })).toEqual([1]);
      expect(await seqs({ since: 20, limit: 10 })).toEqual([3, 2]);
      expect(await seqs({ beforeSeq: 3, limit: 1 })).toEqual([2]);
    });

    it('keeps no entry of a transaction that failed, and the chain goes on from the last committed one', async () => {
      await store().audit.append(auditEntry());
      await expect(store().transaction(async (tx) => {
        await tx.audit.append(auditEntry({ actor: 'ghost' }));
        throw new Error('the action failed');
      })).rejects.toThrow('the action failed');
      await store().audit.append(auditEntry({ actor: 'bob' }));
      expect((await store().audit.read(0, 10)).map((e) => [e.seq, e.actor])).toEqual([[1, 'admin'], [2, 'bob']]);
      expect(await verify(store())).toMatchObject({ ok: true, entries: 2 });
    });

    it('makes one valid chain of many transactions appending at once', async () => {
      const writers = 24;
      await Promise.all(Array.from({ length: writers }, (_, i) => store().transaction(async (tx) => {
        await tx.audit.append(auditEntry({ actor: `writer-${i}`, at: i }));
        // A second entry in the same transaction, after an await, gives another writer the chance to interleave.
        await tx.audit.append(auditEntry({ actor: `writer-${i}`, action: 'second', at: i }));
      })));
      const entries = await store().audit.read(0, 1_000);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: writers * 2 }, (_, i) => i + 1));
      // Each transaction's two entries are next to each other: appends are serialised per transaction.
      for (let i = 0; i < entries.length; i += 2) expect(entries[i + 1]!.actor).toBe(entries[i]!.actor);
      expect(await verify(store())).toEqual({ ok: true, entries: writers * 2, head: entries.at(-1)!.hash });
    });

    it('makes one valid chain of many transactions appending several entries at once each', async () => {
      const writers = 24;
      await Promise.all(Array.from({ length: writers }, (_, i) => store().transaction(async (tx) => {
        await tx.audit.appendMany([1, 2, 3].map((n) => auditEntry({ actor: `writer-${i}`, action: `entry-${n}`, at: i })));
      })));
      const entries = await store().audit.read(0, 1_000);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: writers * 3 }, (_, i) => i + 1));
      for (let i = 0; i < entries.length; i += 3) {
        expect(entries.slice(i, i + 3).map((e) => [e.actor, e.action])).toEqual([1, 2, 3].map((n) => [entries[i]!.actor, `entry-${n}`]));
      }
      expect(await verify(store())).toEqual({ ok: true, entries: writers * 3, head: entries.at(-1)!.hash });
    });
  });
}
