// A Store that counts its committed transactions and, for the crash-at-every-write test, can stop
// the process right after the Nth one. Only transactions count: the engine applies every action in
// one, while heartbeats and log ingest write on their own at times no test can repeat.
import type { Store } from './store.ts';

export interface CrashPoint {
  /** The commit after which to crash: 1 is the first transaction to commit. */
  afterTransactions: number;
  /**
   * Called once, right after that commit resolved and before its caller sees the result, with
   * the number of transactions committed. The server exits the process here; when it returns
   * (a test), the transaction's caller carries on as if nothing happened.
   */
  crash: (committed: number) => void;
}

/** A Store that also says how many transactions it committed. */
export interface CountingStore extends Store {
  /** Transactions committed through this store so far; inline nested ones are part of their outer one. */
  transactionsCommitted(): number;
}

/**
 * Wraps `store` so that each transaction that commits (its `transaction` call resolved) counts
 * once. A transaction that fails does not count, nor does one run inline inside another (through
 * the `tx` the work is given). With `point`, calls `point.crash` right after the
 * `point.afterTransactions`th commit. Everything else is the wrapped store's.
 */
export function withCrashPoint(store: Store, point?: CrashPoint): CountingStore {
  let committed = 0;
  return {
    ...store,
    async transaction(work) {
      const result = await store.transaction(work);
      committed += 1;
      if (point !== undefined && committed === point.afterTransactions) point.crash(committed);
      return result;
    },
    transactionsCommitted: () => committed,
  };
}
