// Two server instances' lease keepers on one store: one runs each loop, and the other takes over
// once the first gives its leases up or stops renewing them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { LeaseKeeper } from './lease-keeper.ts';

describe('LeaseKeeper', () => {
  let dir: string;
  let store: Store;
  const keepers: LeaseKeeper[] = [];
  const log = pino({ level: 'silent' });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-leases-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
  });

  afterEach(async () => {
    for (const keeper of keepers.splice(0)) await keeper.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function keeper(holder: string, leaseMs = 400): Promise<LeaseKeeper> {
    const started = await LeaseKeeper.start({ store, log, holder, leaseMs });
    keepers.push(started);
    return started;
  }

  it('lets one instance run each loop, and hands them over at once when it stops', async () => {
    const a = await keeper('a');
    const b = await keeper('b');
    expect([a.holds('engine'), a.holds('poller'), a.holds('log-retention')]).toEqual([true, true, true]);
    expect(b.holds('engine')).toBe(false);
    await a.close();
    await waitFor('b to run the engine', () => b.holds('engine'), { timeoutMs: 2000, intervalMs: 20 });
  });

  it('takes over the loops of an instance that stopped renewing, once its leases ran out', async () => {
    // A dead instance's lease, as it left it: held until 300 ms from now, never renewed.
    expect(await store.leases.acquire('engine', 'dead', 300)).toBe(true);
    const b = await keeper('b', 200);
    expect(b.holds('engine')).toBe(false);
    await waitFor('b to run the engine', () => b.holds('engine'), { timeoutMs: 2000, intervalMs: 20 });
  });

  it('runs no loop while this process lost its instance name, and leaves the leases to whoever took the name', async () => {
    let named = true;
    const a = await LeaseKeeper.start({ store, log, holder: 'a', leaseMs: 400, instanceLock: { held: () => named } });
    expect(a.holds('engine')).toBe(true);
    named = false;
    expect(a.holds('engine')).toBe(false);
    await a.close();
    // Not given up: another process named "a" may hold it now.
    expect(await store.leases.acquire('engine', 'b', 400)).toBe(false);
  });

  it('an instance whose clocks run an hour ahead does not take a live lease from another', async () => {
    const a = await keeper('a', 10_000);
    const ahead = await LeaseKeeper.start({ store, monotonicNow: () => performance.now() + 3_600_000, log, holder: 'b', leaseMs: 10_000 });
    keepers.push(ahead);
    expect(a.holds('engine')).toBe(true);
    expect(ahead.holds('engine')).toBe(false);
  });

  it('counts a lease from when the renewal was asked, so a slow answer shortens it here', async () => {
    let now = 0;
    const slow: typeof store = {
      ...store,
      leases: {
        ...store.leases,
        // The answer comes 2 s after the question.
        acquire: async (...args) => {
          const held = await store.leases.acquire(...args);
          now += 2000;
          return held;
        },
        release: (...args) => store.leases.release(...args),
      },
    };
    const a = await LeaseKeeper.start({ store: slow, monotonicNow: () => now, log, holder: 'a', leaseMs: 10_000 });
    keepers.push(a);
    // Asked at 0 for 10 s, held here until 10 s less the quarter margin: 7.5 s, whenever the answer came.
    now = 7_400;
    expect(a.holds('engine')).toBe(true);
    now = 7_600;
    expect(a.holds('engine')).toBe(false);
  });

  it('counts a new generation each time it takes a lease anew, not when it renews it', async () => {
    const a = await keeper('a', 400);
    expect(a.generation('engine')).toBe(1);
    // Two renewals or more (every 100 ms) go by.
    await new Promise((r) => setTimeout(r, 250));
    expect(a.generation('engine')).toBe(1);
    // Another instance took it meanwhile (as after a's renewals failed), for a short while.
    await store.leases.release('engine', 'a');
    expect(await store.leases.acquire('engine', 'x', 150)).toBe(true);
    await waitFor('a to take the engine back', () => a.generation('engine') === 2, { timeoutMs: 3000, intervalMs: 20 });
    expect(a.holds('engine')).toBe(true);
    expect(a.generation('poller')).toBe(1);
  });
});
