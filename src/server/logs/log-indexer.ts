// Fills the central log's full-text index behind ingest (PostgreSQL, see postgres-log-index.ts):
// while lines wait, one range after another, two at once; then a look every idle interval. It
// yields to this instance's ingest (nextIndexStep): while lines flow, one pass a second at most,
// the rest once ingest pauses or the index is too far behind. Search finds the lines that wait too, so this only
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

/**
 * Passes at once when ingest is quiet: while one waits for PostgreSQL, the other reads its chunks'
 * words in the server, and PostgreSQL may use two cores. Measured (bench/log-index-cost.bench.ts,
 * 400,000 lines, loaded machine): two passes at once indexed them in 3.7-5.6 s, one in 5.7-8.0 s.
 */
export const FULL_SPEED_PASSES = 2;

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
  /** Passes at once at full speed (default FULL_SPEED_PASSES). */
  fullSpeedPasses?: number;
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
  const fullSpeedPasses = deps.fullSpeedPasses ?? FULL_SPEED_PASSES;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();
  let lastPassAt: number | undefined;
  let caughtUpAt = clock.now();
  /** The last pass found nothing more: the next look makes one pass, the second only if lines wait. */
  let caughtUp = false;
  let writesSeen = deps.writesCommitted?.() ?? 0;
  /** When the indexer last saw the count of committed writes grow. */
  let lastStoredAt: number | undefined;
  /** drain() calls waiting for the next pass to start, then for a pass that finds nothing more waiting. */
  let nextWaiters: (() => void)[] = [];
  let passWaiters: (() => void)[] = [];

  const wait = (ms: number) => {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(look, ms);
    timer.unref();
  };
  /** Decides what to do now: start passes, or wait (a pass in flight looks again when it ends). */
  function look(): void {
    if (closed) return;
    const now = clock.now();
    const writes = deps.writesCommitted?.() ?? 0;
    if (writes !== writesSeen) {
      writesSeen = writes;
      lastStoredAt = now;
    }
    const next = nextIndexStep({ now, lastStoredAt, lastPassAt, caughtUpAt }, pacing);
    if (next.kind === 'wait') {
      if (running.size === 0) wait(next.ms);
      return;
    }
    const passes = next.fullSpeed && !caughtUp ? fullSpeedPasses : 1;
    while (running.size < passes) startPass();
  }
  function startPass(): void {
    passWaiters.push(...nextWaiters);
    nextWaiters = [];
    lastPassAt = clock.now();
    const passing: Promise<void> = pass().then((outcome) => {
      running.delete(passing);
      caughtUp = outcome === 'done';
      if (outcome === 'done') {
        caughtUpAt = clock.now();
        // Another pass may still be writing chunks this one skipped: the last to end tells.
        if (running.size === 0) {
          for (const resolve of passWaiters) resolve();
          passWaiters = [];
        }
      }
      if (outcome === 'more') look();
      else if (running.size === 0) wait(idleMs);
    });
    running.add(passing);
  }
  /** One pass: 'more' when lines still wait, 'done' when none did, 'failed' (logged). */
  const pass = async (): Promise<'more' | 'done' | 'failed'> => {
    try {
      const { done } = await deps.store.logs.indexPending(INDEX_IDS_PER_PASS);
      return done ? 'done' : 'more';
    } catch (err) {
      deps.log.error({ err }, 'indexing the central log for search failed; trying again');
      return 'failed';
    }
  };
  look();

  return {
    drain() {
      return new Promise((resolve) => nextWaiters.push(resolve));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      while (running.size > 0) await Promise.all(running);
      for (const resolve of [...passWaiters, ...nextWaiters]) resolve();
      passWaiters = [];
      nextWaiters = [];
    },
  };
}
