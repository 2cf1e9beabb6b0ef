// Retention of the central log, run by the server every minute: lines older than the maximum age
// go, then the oldest lines until the log fits its maximum size. The store marks the highest seq of
// each source it removed, in the same transactions (LogStore.seqMark): the server's event lines
// that retention removed are not written again (ServerEventLines.catchUp).
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import type { Store } from '../../storage/store.ts';

export interface LogRetentionLimits {
  /** Lines older than this are removed; null keeps them whatever their age. */
  maxAgeMs: number | null;
  /** The log's estimated size is kept at most this; null sets no limit. */
  maxBytes: number | null;
}

export interface LogRetentionDeps extends LogRetentionLimits {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Between two runs (default one minute). */
  intervalMs?: number;
  /** Whether this instance applies retention now (several instances on one database: the one holding the lease). */
  holdsLease?: () => boolean;
}

export interface LogRetention {
  /** Applies both limits now; returns how many lines went. A run already going is waited for instead. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a run in progress. */
  close(): Promise<void>;
}

export const defaultLogRetention: LogRetentionLimits = { maxAgeMs: 30 * 86_400_000, maxBytes: 2 * 1024 ** 3 };

/** Starts retention: a first run at once, then one every interval. */
export function startLogRetention(deps: LogRetentionDeps): LogRetention {
  let running: Promise<number> | undefined;
  const apply = async (): Promise<number> => {
    let removed = 0;
    if (deps.holdsLease && !deps.holdsLease()) return removed;
    if (deps.maxAgeMs !== null) removed += await deps.store.logs.deleteOlderThan(deps.clock.now() - deps.maxAgeMs);
    if (deps.maxBytes !== null) removed += await deps.store.logs.deleteToFitSize(deps.maxBytes);
    if (removed > 0) deps.log.info({ removed }, 'log retention removed old lines');
    return removed;
  };
  const runOnce = (): Promise<number> => {
    running ??= apply().finally(() => {
      running = undefined;
    });
    return running;
  };
  const tick = () => void runOnce().catch((err: unknown) => deps.log.error({ err }, 'log retention failed'));
  const timer = setInterval(tick, deps.intervalMs ?? 60_000);
  timer.unref();
  tick();
  return {
    runOnce,
    async close() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
