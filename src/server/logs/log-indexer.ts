// Fills the central log's full-text index behind ingest (PostgreSQL, see postgres-log-index.ts):
// while lines wait, one range after another; then a look every idle interval. It yields to this
// instance's ingest (nextIndexStep): while lines flow, one pass a second at most, the rest once
// ingest pauses or the index is too far behind. Search finds the lines that wait too, so this only
// keeps searches fast. Every server instance runs one: ranges another instance is indexing are
// skipped. Each yields only to its own instance's ingest.
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../base/clock.ts';
import type { Store } from '../../storage/store.ts';
import { DEFAULT_INDEX_PACING, nextIndexStep, type IndexPacing } from './index-pacing.ts';

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
  clock?: Clock;
  /**
   * How many writes this instance's ingest has committed so far (LogIngest.writesCommitted): while
   * the count grows, lines flow and the indexer yields. Without it, the indexer never yields.
   */
  writesCommitted?: () => number;
  pacing?: IndexPacing;
}

export interface LogIndexer {
  /** Resolves once nothing waits to be indexed (for tests and benchmarks). */
  drain(): Promise<void>;
  /** Stops looking and waits for a pass in progress. */
  close(): Promise<void>;
}

export function startLogIndexer(deps: LogIndexerDeps): LogIndexer {
  const idleMs = deps.idleMs ?? 250;
  const clock = deps.clock ?? systemClock;
  const pacing = deps.pacing ?? DEFAULT_INDEX_PACING;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastPassAt: number | undefined;
  let writesSeen = deps.writesCommitted?.() ?? 0;
  /** When the indexer last saw the count of committed writes grow. */
  let lastStoredAt: number | undefined;
  let caughtUpAt = clock.now();
  /** drain() calls waiting for the next pass to start, then for a pass that finds nothing more waiting. */
  let nextWaiters: (() => void)[] = [];
  let passWaiters: (() => void)[] = [];

  /** One pass; the wait before the next look. */
  const pass = async (): Promise<number> => {
    passWaiters.push(...nextWaiters);
    nextWaiters = [];
    lastPassAt = clock.now();
    try {
      const { done } = await deps.store.logs.indexPending(INDEX_IDS_PER_PASS);
      if (!done) return 0;
      caughtUpAt = clock.now();
      for (const resolve of passWaiters) resolve();
      passWaiters = [];
      return idleMs;
    } catch (err) {
      deps.log.error({ err }, 'indexing the central log for search failed; trying again');
      return idleMs;
    }
  };
  const step = async (): Promise<number> => {
    const now = clock.now();
    const writes = deps.writesCommitted?.() ?? 0;
    if (writes !== writesSeen) {
      writesSeen = writes;
      lastStoredAt = now;
    }
    const next = nextIndexStep({ now, lastStoredAt, lastPassAt, caughtUpAt }, pacing);
    return next.kind === 'wait' ? next.ms : pass();
  };
  const schedule = (ms: number) => {
    if (closed) return;
    const run = () => {
      running = step().then((wait) => {
        running = undefined;
        schedule(wait);
      });
    };
    // Straight on while lines wait: a timer of 0 ms would still cost a turn of the event loop.
    if (ms === 0) run();
    else {
      timer = setTimeout(run, ms);
      timer.unref();
    }
  };
  schedule(0);

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
