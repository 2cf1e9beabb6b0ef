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

    it('confirms a lease to its holder only, until it expires', async () => {
      expect(await store().leases.acquire('engine', 'a', 300)).toBe(true);
      expect(await store().leases.confirm('engine', 'a')).toBe(true);
      expect(await store().leases.confirm('engine', 'b')).toBe(false);
      expect(await store().leases.confirm('poller', 'a')).toBe(false);
      await waitFor('the lease to expire', async () => !(await store().leases.confirm('engine', 'a')), { timeoutMs: 5000, intervalMs: 20 });
    });

    it('lets no one take a lease over while a transaction that confirmed it runs, even past its expiry', async () => {
      expect(await store().leases.acquire('engine', 'a', 300)).toBe(true);
      let takeOver: Promise<boolean> | undefined;
      let takenMeanwhile = false;
      await store().transaction(async (tx) => {
        expect(await tx.leases.confirm('engine', 'a')).toBe(true);
        // The holder stalls past its lease; another instance asks for it.
        await new Promise((r) => setTimeout(r, 400));
        takeOver = store().leases.acquire('engine', 'b', LONG);
        void takeOver.then(() => (takenMeanwhile = true));
        await new Promise((r) => setTimeout(r, 300));
        await tx.leases.release('unrelated', 'a');
      });
      expect(takenMeanwhile).toBe(false);
      // Once the transaction ended, the expired lease is the other's.
      expect(await takeOver).toBe(true);
    });

    it('gives the lease to exactly one of many asking at once', async () => {
      const holders = ['a', 'b', 'c', 'd', 'e', 'f'];
      const won = await Promise.all(holders.map((h) => store().leases.acquire('engine', h, LONG)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });
  });
}
