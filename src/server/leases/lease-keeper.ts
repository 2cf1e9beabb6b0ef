// Which loops this server instance runs, when several share one database: the engine, repo polling
// and log retention must each run on one instance at a time. The keeper takes and renews a lease
// per loop (LeaseStore) every quarter lease; a loop asks `holds(name)` before each round. An instance that
// dies stops renewing, and another takes its leases over once they expire (leaseMs) by the
// database's clock; this instance counts its own from when it asked, on a monotonic clock, so
// clocks that disagree between machines never let two instances hold one lease. On SQLite, with
// one instance, the leases are simply always this instance's.
import type { Logger } from 'pino';
import { errorMessage } from '../../base/errors.ts';
import type { InstanceLock } from '../../storage/instance-lock.ts';
import type { LeaseStore } from '../../storage/store.ts';

/** The loops that must run once among the instances. */
export type LeaseName = 'engine' | 'poller' | 'log-retention';
const LEASES: readonly LeaseName[] = ['engine', 'poller', 'log-retention'];

export interface LeaseKeeperDeps {
  store: { leases: LeaseStore };
  /**
   * Monotonic milliseconds (default performance.now): how long this instance counts a lease
   * from the moment it asked. Never the wall clock, which jumps; the expiry the other instances
   * go by is the database's.
   */
  monotonicNow?: () => number;
  log: Logger;
  /**
   * This instance's name among the others. The same instance restarted (same host and port) is
   * the same holder, and takes its own leases back at once instead of waiting for them to expire.
   */
  holder: string;
  /** How long a lease lasts unless renewed: how soon another instance takes over a dead one's loops. */
  leaseMs: number;
  /**
   * This process's hold on its instance name. While it is lost (its PostgreSQL session broke, and
   * maybe another process of the same name took it), the keeper neither renews nor gives up the
   * leases (they may be that process's now, by the same holder name), and holds nothing.
   */
  instanceLock?: Pick<InstanceLock, 'held'>;
}

export class LeaseKeeper {
  /**
   * Until when this instance holds each lease, on monotonicNow: counted from when the renewal was
   * asked, before the database started the lease, so a slow answer can only shorten it here.
   */
  private readonly heldUntil = new Map<LeaseName, number>();
  /** How many times this instance newly took each lease (see generation). */
  private readonly generations = new Map<LeaseName, number>();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;

  private constructor(private readonly deps: LeaseKeeperDeps) {
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(deps.leaseMs / 4)));
    this.timer.unref();
  }

  /** Starts keeping the leases; resolves once each was asked for the first time. */
  static async start(deps: LeaseKeeperDeps): Promise<LeaseKeeper> {
    const keeper = new LeaseKeeper(deps);
    await keeper.renew();
    return keeper;
  }

  /**
   * Whether this instance holds the lease now, with a margin: a holder stops a quarter of a lease
   * before it would expire unrenewed, so that its last round ends before another instance begins.
   */
  holds(name: LeaseName): boolean {
    if (!this.namedHere()) return false;
    return (this.heldUntil.get(name) ?? -Infinity) - this.deps.leaseMs / 4 > this.now();
  }

  /**
   * How many times this instance newly took the lease (0: never). A loop that keeps a copy of what
   * it works on compares it between two rounds: when it changed, the lease was lost and taken back
   * in between, another instance may have acted meanwhile, and the copy is stale.
   */
  generation(name: LeaseName): number {
    return this.generations.get(name) ?? 0;
  }

  /** Stops renewing and gives every lease up, so that another instance takes the loops over at once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    if (!this.namedHere()) return;
    for (const name of LEASES) {
      if (!this.heldUntil.delete(name)) continue;
      await this.deps.store.leases.release(name, this.deps.holder).catch((err: unknown) => {
        this.deps.log.warn({ err: errorMessage(err), lease: name }, 'could not give a lease up; another instance takes it when it expires');
      });
    }
  }

  private now(): number {
    return this.deps.monotonicNow ? this.deps.monotonicNow() : performance.now();
  }

  /** Whether this process holds its instance name (see `instanceLock`). */
  private namedHere(): boolean {
    return this.deps.instanceLock?.held() ?? true;
  }

  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      if (!this.namedHere()) {
        this.heldUntil.clear();
        return;
      }
      for (const name of LEASES) {
        const until = this.now() + this.deps.leaseMs;
        try {
          const held = await this.deps.store.leases.acquire(name, this.deps.holder, this.deps.leaseMs);
          const had = this.heldUntil.has(name);
          if (held && !this.holds(name)) this.generations.set(name, this.generation(name) + 1);
          if (held) this.heldUntil.set(name, until);
          else this.heldUntil.delete(name);
          if (held !== had) this.deps.log.info({ lease: name, holder: this.deps.holder }, held ? 'this instance now runs a loop' : 'another instance runs this loop now');
        } catch (err) {
          // Kept until it runs out (holds() stops a margin before): the database may be back by then.
          this.deps.log.error({ err: errorMessage(err), lease: name }, 'could not renew a lease');
        }
      }
    })().finally(() => (this.renewing = undefined));
    return this.renewing;
  }
}
