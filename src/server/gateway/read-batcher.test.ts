import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../core/model.ts';
import { enrollAgent } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { ReadBatcher } from './read-batcher.ts';

describe('the batched reads of what agents\' hellos need', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openStore(): Promise<Store> {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-read-batcher-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = await openSqliteStore(join(dir, 'slipway.db'));
    cleanups.push(() => store.close());
    return store;
  }

  /** Agents' rows read through store.agents.getMany, each call's ids noted; `refuse` makes the database refuse a read. */
  function agentRows(store: Store, refuse = { now: false }) {
    const calls: string[][] = [];
    const rows = new ReadBatcher<string, Agent>({
      read: (ids) => {
        calls.push([...ids]);
        return refuse.now ? Promise.reject(new Error('refused by the database')) : store.agents.getMany(ids);
      },
      everyMs: 5,
    });
    return { calls, rows };
  }

  it('reads the rows asked for within a few ms in one query, each caller getting its own', async () => {
    const store = await openStore();
    const a = await enrollAgent(store, 'a');
    const b = await enrollAgent(store, 'b');
    const { calls, rows } = agentRows(store);
    const answers = await Promise.all([rows.get(a.id), rows.get(b.id), rows.get('nobody'), rows.get(a.id)]);
    expect(answers.map((row) => row?.name)).toEqual(['a', 'b', undefined, 'a']);
    expect(calls).toEqual([[a.id, b.id, 'nobody']]);
  });

  it('answers a row as changed after it was asked for, never from a read under way', async () => {
    const store = await openStore();
    const a = await enrollAgent(store, 'a');
    const { calls, rows } = agentRows(store);
    const before = rows.get(a.id);
    const reading = rows.flush();
    // Revoked while the first read runs: a hello asking now must see it revoked.
    await store.agents.retire(a.id, 'revoked', 'replaced-hash');
    const after = await rows.get(a.id);
    await reading;
    expect((await before)?.status).toBe('active');
    expect(after?.status).toBe('revoked');
    expect(calls).toEqual([[a.id], [a.id]]);
  });

  it('fails every caller of a batch the database refused, and reads the next batch again', async () => {
    const store = await openStore();
    const a = await enrollAgent(store, 'a');
    const refuse = { now: true };
    const { rows } = agentRows(store, refuse);
    const results = await Promise.allSettled([rows.get(a.id), rows.get('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    refuse.now = false;
    expect((await rows.get(a.id))?.name).toBe('a');
  });
});
