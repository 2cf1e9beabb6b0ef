// A fresh store for each test of the contract suite.
import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../store.ts';

/** Opens a fresh store before each test and closes it after; returns the current one. */
export function useStore(open: () => Promise<Store>): () => Store {
  let store: Store | undefined;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  return () => {
    if (store === undefined) throw new Error('the store is only open inside a test');
    return store;
  };
}
