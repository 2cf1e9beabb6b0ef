// Contract tests of LeaseStore: one holder at a time, until the lease expires (by the database's
// clock) or is given up.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import type { Store } from '../store.ts';
import { useStore } from './use-store.ts';

const LONG = 60_000;

export function describeLeaseStoreContract(open: () => Promise<Store>): void {
  describe('leases', () => {
    const store = useStore(open);

    it('gives a free lease to the first who asks, and refuses it to others until it expires', async () => {
      const asked = performance.now();
      expect(await store().leases.acquire('engine', 'a', 300)).toBe(true);
      expect(await store().leases.acquire('engine', 'b', LONG)).toBe(false);
      expect(await store().leases.acquire('poller', 'b', LONG)).toBe(true);
      await waitFor('b to take the expired lease', () => store().leases.acquire('engine', 'b', LONG), { timeoutMs: 5000, intervalMs: 20 });
      // Not before it expired (less a little for the two clocks' rounding).
      expect(performance.now() - asked).toBeGreaterThanOrEqual(250);
      expect(await store().leases.acquire('engine', 'a', LONG)).toBe(false);
    });

    it('lets the holder extend its lease, and another take it at once once given up', async () => {
      expect(await store().leases.acquire('engine', 'a', LONG)).toBe(true);
      expect(await store().leases.acquire('engine', 'a', LONG)).toBe(true);
      expect(await store().leases.acquire('engine', 'b', LONG)).toBe(false);
      await store().leases.release('engine', 'b');
      expect(await store().leases.acquire('engine', 'b', LONG)).toBe(false);
      await store().leases.release('engine', 'a');
      expect(await store().leases.acquire('engine', 'b', LONG)).toBe(true);
    });

    it('keeps the lease of a holder that extends it past its first term', async () => {
      expect(await store().leases.acquire('engine', 'a', 300)).toBe(true);
      expect(await store().leases.acquire('engine', 'a', LONG)).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      expect(await store().leases.acquire('engine', 'b', LONG)).toBe(false);
    });

    it('gives the lease to exactly one of many asking at once', async () => {
      const holders = ['a', 'b', 'c', 'd', 'e', 'f'];
      const won = await Promise.all(holders.map((h) => store().leases.acquire('engine', h, LONG)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });
  });
}
