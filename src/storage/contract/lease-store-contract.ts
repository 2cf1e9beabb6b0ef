// Contract tests of LeaseStore: one holder at a time, until the lease expires or is given up.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.ts';
import { useStore } from './use-store.ts';

export function describeLeaseStoreContract(open: () => Promise<Store>): void {
  describe('leases', () => {
    const store = useStore(open);

    it('gives a free lease to the first who asks, and refuses it to others until it expires', async () => {
      expect(await store().leases.acquire('engine', 'a', 1000, 2000)).toBe(true);
      expect(await store().leases.acquire('engine', 'b', 1500, 2500)).toBe(false);
      expect(await store().leases.acquire('poller', 'b', 1500, 2500)).toBe(true);
      expect(await store().leases.acquire('engine', 'b', 2000, 3000)).toBe(true);
      expect(await store().leases.acquire('engine', 'a', 2100, 3100)).toBe(false);
    });

    it('lets the holder extend its lease, and another take it at once once given up', async () => {
      expect(await store().leases.acquire('engine', 'a', 1000, 2000)).toBe(true);
      expect(await store().leases.acquire('engine', 'a', 1900, 2900)).toBe(true);
      expect(await store().leases.acquire('engine', 'b', 2500, 3500)).toBe(false);
      await store().leases.release('engine', 'b');
      expect(await store().leases.acquire('engine', 'b', 2500, 3500)).toBe(false);
      await store().leases.release('engine', 'a');
      expect(await store().leases.acquire('engine', 'b', 2500, 3500)).toBe(true);
    });

    it('gives the lease to exactly one of many asking at once', async () => {
      const holders = ['a', 'b', 'c', 'd', 'e', 'f'];
      const won = await Promise.all(holders.map((h) => store().leases.acquire('engine', h, 1000, 2000)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });
  });
}
