import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { enrollAgent } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { ConnectionChange, Store } from '../../storage/store.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { WriteBatcher } from './write-batcher.ts';

describe('the batched writes of what agents tell the server', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openStore(): Promise<Store> {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-connection-writer-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = await openSqliteStore(join(dir, 'slipway.db'));
    cleanups.push(() => store.close());
    return store;
  }

  /** Agents' connections written to the store's recordConnections, each call noted; `refuse` makes the database refuse a batch. */
  function connectionWrites(store: Store, refuse?: (change: ConnectionChange) => boolean) {
    const calls: ConnectionChange[][] = [];
    const writer = new WriteBatcher<ConnectionChange, boolean>({
      write: (changes) => {
        calls.push([...changes]);
        if (refuse && changes.some(refuse)) return Promise.reject(new Error('refused by the database'));
        return store.agents.recordConnections('server-1', changes);
      },
      log: pino({ level: 'silent' }), what: 'connections',
    });
    const connected = (id: string, at: number) => writer.add({ kind: 'connected', id, said, at });
    const disconnected = (id: string, at: number) => writer.add({ kind: 'disconnected', id, at });
    return { calls, connected, disconnected };
  }

  const said = { address: '127.0.0.1', port: null, apps: [] };

  it('writes the hellos that arrive together in one call, and each resolves once stored', async () => {
    const store = await openStore();
    const agents = await Promise.all(Array.from({ length: 50 }, (_, i) => enrollAgent(store, `web-${i}`)));
    const { calls, connected } = connectionWrites(store);
    await Promise.all(agents.map((agent) => connected(agent.id, 100)));
    expect(calls).toHaveLength(1);
    expect((await store.agents.list()).every((agent) => agent.online && agent.lastSeenAt === 100)).toBe(true);
  });

  it('never lets an agent\'s disconnection overtake its connection, even when asked for while the connection is written', async () => {
    const store = await openStore();
    const [a, b] = [await enrollAgent(store, 'web-1'), await enrollAgent(store, 'web-2')];
    const { calls, connected, disconnected } = connectionWrites(store);
    const first = connected(a.id, 100);
    // Once the first write is under way, the disconnection of the same agent comes, and another's hello.
    await waitFor('the first write to begin', () => calls.length === 1, { intervalMs: 1 });
    const [ended] = await Promise.all([disconnected(a.id, 110), connected(b.id, 110), first]);
    expect(ended).toBe(true);
    expect(calls.map((call) => call.map((change) => change.kind))).toEqual([['connected'], ['disconnected', 'connected']]);
    expect(await store.agents.get(a.id)).toMatchObject({ online: false, lastSeenAt: 110 });
    expect(await store.agents.get(b.id)).toMatchObject({ online: true });
  });

  it('resolves flush() only once every change added before it is stored, also those added while a write was under way', async () => {
    const stored: string[] = [];
    const began: string[][] = [];
    let release!: () => void;
    const firstWriteHeld = new Promise<void>((resolve) => (release = resolve));
    const writer = new WriteBatcher<string, boolean>({
      write: async (changes) => {
        began.push([...changes]);
        if (changes.includes('first')) await firstWriteHeld;
        stored.push(...changes);
        return changes.map(() => true);
      },
      log: pino({ level: 'silent' }), what: 'changes',
    });
    const first = writer.add('first');
    await waitFor('the first write to begin', () => began.length === 1, { intervalMs: 1 });
    // A closing server flushes while the first write is under way, with another change queued behind it.
    const second = writer.add('second');
    const flushed = writer.flush();
    release();
    await flushed;
    // close() then closes the store: what was added before must be in it by now.
    expect(stored).toEqual(['first', 'second']);
    await Promise.all([first, second]);
  });

  it('writes each change alone when their batch is refused, so that one refused change fails only its own', async () => {
    const store = await openStore();
    const [a, b] = [await enrollAgent(store, 'web-1'), await enrollAgent(store, 'web-2')];
    const { connected } = connectionWrites(store, (change) => change.id === b.id);
    const [first, second] = await Promise.allSettled([connected(a.id, 100), connected(b.id, 100)]);
    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: { message: 'refused by the database' } });
    expect(await store.agents.get(a.id)).toMatchObject({ online: true });
    expect(await store.agents.get(b.id)).toMatchObject({ online: false });
  });
});
