// EventLog over a real SQLite store: what a transaction records (events, audit entries) is stored
// with its change or not at all, and published only after the commit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../../core/audit/audit-entry.ts';
import { sha256Hex } from '../../storage/kysely/audit-store.ts';
import { verifyAuditChain } from '../../core/audit/verify-audit-chain.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { EventLog } from './event-log.ts';

const entry = (target: string): Omit<NewAuditEntry, 'at'> => ({
  actor: 'admin', address: '127.0.0.1', action: 'agent.enroll', target, project: null, outcome: 'ok', code: null, message: null, before: null, after: null,
});

describe('EventLog', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(): Promise<{ store: Store; events: EventLog }> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-event-log-'));
    const store = await openSqliteStore(join(dir, 'slipway.db'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }), () => store.close());
    let now = 1_000;
    return { store, events: new EventLog(store, { now: () => (now += 1) }) };
  }

  it('appends the audit entries of a transaction once its work is done, in the order recorded, each dated when recorded', async () => {
    const { store, events } = await setUp();
    await events.transaction(async (tx) => {
      await tx.audit(entry('agent:web-1'));
      await tx.emit('agent.enrolled', 'agent web-1 enrolled');
      await tx.audit({ ...entry('agent:web-2'), message: 'enrolled again' });
      // Recorded, not yet appended: the chain head moves at the end of the transaction, once for all.
      expect(await tx.store.audit.head()).toMatchObject({ seq: 0 });
    });
    const stored = await store.audit.read(0, 10);
    expect(stored.map((e) => [e.seq, e.target, e.at, e.message])).toEqual([[1, 'agent:web-1', 1_001, null], [2, 'agent:web-2', 1_003, 'enrolled again']]);
    expect(verifyAuditChain(stored, await store.audit.head(), sha256Hex)).toMatchObject({ ok: true, entries: 2 });
  });

  it('appends no audit entry and publishes no event of a transaction whose work threw', async () => {
    const { store, events } = await setUp();
    const published: string[] = [];
    events.subscribe((event) => published.push(event.message));
    await expect(events.transaction(async (tx) => {
      await tx.emit('agent.enrolled', 'agent web-1 enrolled');
      await tx.audit(entry('agent:web-1'));
      throw new Error('refused');
    })).rejects.toThrow('refused');
    expect(await store.audit.head()).toMatchObject({ seq: 0 });
    expect(await store.events.list({ limit: 10 })).toEqual([]);
    expect(published).toEqual([]);
  });
});
