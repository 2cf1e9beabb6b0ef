// The Store's port for the leases that let one of several server instances run a loop.
// Part of the Store port: import it from store.ts, which re-exports it.

/**
 * Leases: which of several server instances on one database runs a loop that must run once (the
 * engine, repo polling, log retention). Time is each instance's clock: leases last long enough
 * (seconds) that ordinary clock skew between servers does not matter.
 */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `holder` for `leaseMs` from now, or extends it when `holder` has
   * it; in one atomic statement, so two instances never both succeed. Fails (false) while another
   * holder's lease has not expired. "Now" is the database's clock (PostgreSQL: clock_timestamp()),
   * never the caller's: instances whose clocks disagree cannot both hold a lease.
   */
  acquire(name: string, holder: string, leaseMs: number): Promise<boolean>;
  /** Gives the lease up at once (the holder is stopping), so another instance need not wait for it to expire. */
  release(name: string, holder: string): Promise<void>;
  /**
   * Inside a transaction: whether `holder` holds the lease `name` now, by the database's clock. On
   * PostgreSQL the lease's row also stays locked (FOR SHARE) until the transaction ends, so that no
   * other instance takes the lease over before what the transaction writes is committed: a holder
   * that stalled past its lease (a pause, a slow database) and confirms it in each transaction
   * never writes beside the instance that took over.
   */
  confirm(name: string, holder: string): Promise<boolean>;
}
