// Fills the central log's full-text index behind ingest (PostgreSQL, see postgres-log-index.ts):
// while lines wait, one range after another; then a look every idle interval. Search finds the
// lines that wait too, so this only keeps searches fast. Every server instance runs one: ranges
// another instance is indexing are skipped.
import type { Logger } from 'pino';
import type { Store } from '../../storage/store.ts';

/**
 * Ids indexed in one transaction at most: an ingest group's worth or so, so that a transaction
 * stays short and a search's view of what waits changes by small steps.
 */
export const INDEX_IDS_PER_PASS = 10_000;

export interface LogIndexerDeps {
  store: Store;
  log: Logger;
  /** Between two looks when nothing waits, and after a failure (default 250 ms). */
  idleMs?: number;
}

export interface LogIndexer {
  /** Resolves once nothing waits to be indexed (for tests and benchmarks). */
  drain(): Promise<void>;
  /** Stops looking and waits for a pass in progress. */
  close(): Promise<void>;
}

export function startLogIndexer(deps: LogIndexerDeps): LogIndexer {
  const idleMs = deps.idleMs ?? 250;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** drain() calls waiting for the next pass to start, then for the pass they are in to catch up. */
  let nextWaiters: (() => void)[] = [];
  let passWaiters: (() => void)[] = [];

  /** Indexes until nothing waits; true when it got there, false after a failure (logged). */
  const indexAll = async (): Promise<boolean> => {
    try {
      while (!closed) {
        const { done } = await deps.store.logs.indexPending(INDEX_IDS_PER_PASS);
        if (done) return true;
      }
      return false;
    } catch (err) {
      deps.log.error({ err }, 'indexing the central log for search failed; trying again');
      return false;
    }
  };
  const pass = async () => {
    passWaiters.push(...nextWaiters);
    nextWaiters = [];
    if (!(await indexAll())) return;
    for (const resolve of passWaiters) resolve();
    passWaiters = [];
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = undefined;
        schedule();
      });
    }, idleMs);
    timer.unref();
  };
  running = pass().finally(() => {
    running = undefined;
    schedule();
  });

  return {
    drain() {
      return new Promise((resolve) => nextWaiters.push(resolve));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
      for (const resolve of [...passWaiters, ...nextWaiters]) resolve();
      passWaiters = [];
      nextWaiters = [];
    },
  };
}
