import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../base/clock.ts';
import { verifyAuditChain } from '../../core/audit/verify-audit-chain.ts';
import { sha256Hex } from '../../storage/kysely/audit-store.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { EventLog, type Tx } from '../engine/event-log.ts';
import { GroupCommit } from './group-commit.ts';

describe('GroupCommit', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(): Promise<{ store: Store; group: GroupCommit; transactions: () => number }> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-group-commit-'));
    const store = await openSqliteStore(join(dir, 'slipway.db'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }), () => store.close());
    const events = new EventLog(store, systemClock);
    let transactions = 0;
    const counted = { transaction: <T>(work: (tx: Tx) => Promise<T>) => (transactions++, events.transaction(work)) };
    return { store, group: new GroupCommit({ events: counted, log: pino({ level: 'silent' }) }), transactions: () => transactions };
  }

  const enroll = (name: string) => async (tx: Tx) => {
    const agent = await tx.store.agents.enroll({ name, labels: {}, tokenHash: `hash-of-${name}`, address: '127.0.0.1', port: null }, 1000);
    await tx.emit('agent.enrolled', `agent ${name} enrolled`);
    return agent.name;
  };

  it('writes the requests of one turn of the event loop in one transaction, each answered with its own result', async () => {
    const { store, group, transactions } = await setUp();
    const names = Array.from({ length: 20 }, (_, i) => `web-${i}`);
    expect(await Promise.all(names.map((name) => group.run(enroll(name))))).toEqual(names);
    expect(transactions()).toBe(1);
    expect((await store.agents.list()).map((a) => a.name).sort()).toEqual([...names].sort());
  });

  it('answers a request that fails with its error, and stores every other request of its transaction once', async () => {
    const { store, group } = await setUp();
    const refused = group.run(async (tx) => {
      await tx.store.agents.enroll({ name: 'half-written', labels: {}, tokenHash: 'hash-of-half', address: '127.0.0.1', port: null }, 1000);
      throw new Error('refused after writing');
    });
    const others = [group.run(enroll('web-1')), group.run(enroll('web-2'))];
    await expect(refused).rejects.toThrow('refused after writing');
    expect(await Promise.all(others)).toEqual(['web-1', 'web-2']);
    expect((await store.agents.list()).map((a) => a.name)).toEqual(['web-1', 'web-2']);
    expect((await store.events.list({ limit: 100 })).map((e) => e.message)).toEqual(['agent web-1 enrolled', 'agent web-2 enrolled']);
  });

  it('fails only the request whose effect after the commit threw, and runs nothing twice', async () => {
    const { store, group, transactions } = await setUp();
    const effects: string[] = [];
    const failing = group.run(async (tx) => {
      const name = await enroll('web-1')(tx);
      tx.afterCommit(() => {
        throw new Error('effect failed');
      });
      return name;
    });
    const other = group.run(async (tx) => {
      const name = await enroll('web-2')(tx);
      tx.afterCommit(() => void effects.push(name));
      return name;
    });
    await expect(failing).rejects.toThrow('effect failed');
    expect(await other).toBe('web-2');
    expect(effects).toEqual(['web-2']);
    expect(transactions()).toBe(1);
    expect((await store.agents.list()).map((a) => a.name)).toEqual(['web-1', 'web-2']);
  });

  it('chains the audit entries of requests written together in the order the requests came', async () => {
    const { store, group, transactions } = await setUp();
    const names = Array.from({ length: 20 }, (_, i) => `web-${i}`);
    await Promise.all(names.map((name) => group.run(async (tx) => {
      const enrolled = await enroll(name)(tx);
      await tx.audit({ actor: 'join token', address: '127.0.0.1', action: 'agent.enroll', target: `agent:${name}`, project: null, outcome: 'ok', code: null, message: null, before: null, after: null });
      return enrolled;
    })));
    expect(transactions()).toBe(1);
    const entries = await store.audit.read(0, 100);
    expect(entries.map((e) => e.target)).toEqual(names.map((name) => `agent:${name}`));
    expect(verifyAuditChain(entries, await store.audit.head(), sha256Hex)).toMatchObject({ ok: true, entries: 20 });
  });

  it('takes the requests that arrive while a transaction is written into the next one', async () => {
    const { group, transactions } = await setUp();
    const first = group.run(enroll('web-0'));
    await new Promise((resolve) => setImmediate(resolve));
    // The first transaction is being written: these wait for it, then go together.
    const later = ['web-1', 'web-2', 'web-3'].map((name) => group.run(enroll(name)));
    expect(await Promise.all([first, ...later])).toEqual(['web-0', 'web-1', 'web-2', 'web-3']);
    expect(transactions()).toBe(2);
  });
});
