// The InstanceLock of servers sharing a PostgreSQL database: a session-level advisory lock keyed
// by the instance name (and the schema), held on a connection of its own for the life of the
// process. PostgreSQL gives it up when that session ends: the process died (its socket closed;
// keepalive finds a machine that vanished) or the connection broke. After a break the lock
// is taken again; until then, or for good when another process of the same name took it
// meanwhile, held() is false and this instance runs no loop that runs once.
import pg from 'pg';
import { SlipwayError, errorMessage } from '../../base/errors.ts';
import { instanceRunningError, type InstanceLock } from '../instance-lock.ts';

export interface PostgresInstanceLockOptions {
  /** Told when the lock was lost, could not be taken back, or was taken back; never throws. */
  onError?: (message: string, err?: unknown) => void;
  /** How long to wait between attempts to take a lost lock back (default 1 s). */
  retryMs?: number;
}

const TRY_LOCK = `select pg_try_advisory_lock(hashtextextended('slipway instance ' || current_schema() || ' ' || $1, 0)) as taken`;

/**
 * How soon PostgreSQL ends the session of a process that vanished without closing it (its machine
 * lost power, its network went): the session is idle, so only TCP keepalive finds it, after 10 s
 * then 3 probes 5 s apart. By default the operating system's 2 h 11 min, during which the process
 * restarted with its name was refused (SLIPWAY_INSTANCE_RUNNING). Ignored over a Unix socket.
 */
const SESSION_KEEPALIVE = 'set tcp_keepalives_idle = 10; set tcp_keepalives_interval = 5; set tcp_keepalives_count = 3';

export class PostgresInstanceLock implements InstanceLock {
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly url: string, private readonly name: string, private readonly options: PostgresInstanceLockOptions) {}

  /**
   * Takes the lock of instance `name` on the database at `url`. Throws ConflictError
   * (SLIPWAY_INSTANCE_RUNNING) when a live process holds it, SlipwayError
   * (SLIPWAY_STORAGE_OPEN_FAILED) when the database cannot be reached.
   */
  static async take(url: string, name: string, options: PostgresInstanceLockOptions = {}): Promise<PostgresInstanceLock> {
    const lock = new PostgresInstanceLock(url, name, options);
    let taken: boolean;
    try {
      taken = await lock.tryTake();
    } catch (err) {
      // The message never includes the URL: it may carry a password.
      throw new SlipwayError('SLIPWAY_STORAGE_OPEN_FAILED', `cannot take the instance lock on PostgreSQL: ${errorMessage(err)}`, { cause: err });
    }
    if (!taken) throw instanceRunningError(`"${name}" on this database`);
    return lock;
  }

  held(): boolean {
    return this.client !== undefined;
  }

  async release(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    // Ending the session gives the advisory lock up.
    await client?.end().catch((err: unknown) => this.report('could not close the instance lock connection', err));
  }

  /** Connects and tries the lock once; the connection is kept only when it holds the lock. */
  private async tryTake(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(SESSION_KEEPALIVE);
      const { rows } = await client.query<{ taken: boolean }>(TRY_LOCK, [this.name]);
      if (rows[0]?.taken === true && !this.closed) {
        this.client = client;
        return true;
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    await client.end();
    return false;
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.report(`lost the instance lock of "${this.name}" (its connection broke): this instance runs no loop until it takes it back`, err);
    this.retry();
  }

  private retry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      this.tryTake().then((taken) => {
        if (taken) this.report(`took the instance lock of "${this.name}" back`);
        else {
          this.report(`another process runs as "${this.name}" now: this one runs no loop; stop one of them`);
          this.retry();
        }
      }, (err: unknown) => {
        this.report(`could not take the instance lock of "${this.name}" back; trying again`, err);
        this.retry();
      });
    }, this.options.retryMs ?? 1_000);
  }

  private report(message: string, err?: unknown): void {
    try {
      this.options.onError?.(err === undefined ? message : `${message}: ${errorMessage(err)}`, err);
    } catch {
      // a reporter that throws must not stop the lock from being taken back
    }
  }
}
