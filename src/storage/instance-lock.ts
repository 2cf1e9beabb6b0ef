// The InstanceLock port: one running server process per instance name. A second `slipway server`
// started with the name of a live one (same host and port, the same explicit instanceName, or on
// SQLite the same data dir) would take the same leases as the same holder and run a second engine,
// and mark the first one's agents offline: it must refuse to start instead. The lock belongs to
// the process, so the operating system or the database gives it up when the process dies, and an
// instance restarted in place takes it, and its leases, back at once.
// Adapters: PostgresInstanceLock (a session advisory lock), SqliteInstanceLock (a lock file in the data dir).
import { ConflictError } from '../base/errors.ts';

export interface InstanceLock {
  /**
   * Whether this process holds the lock now. False once the lock was lost (PostgreSQL: its
   * connection broke) until it is taken again; while false, the instance must not run the loops
   * that run once (its leases are kept by another process of the same name, or by nobody).
   */
  held(): boolean;
  /** Gives the lock up and releases what held it. */
  release(): Promise<void>;
}

/** The error of a server started with the name of one that runs. */
export function instanceRunningError(what: string): ConflictError {
  return new ConflictError('SLIPWAY_INSTANCE_RUNNING',
    `another slipway server runs as ${what}: stop it first, or start this one on another port`);
}
