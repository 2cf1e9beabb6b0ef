// Small writes that come in bursts (a fleet of thousands enrolling at once: a row, an event and an
// audit entry each) written together: the requests that arrive while one transaction is written go
// into the next, one transaction for all of them. Each is answered only once its transaction
// committed, so what a caller is told is stored as surely as if it had a transaction of its own;
// a commit per request was most of what an enrollment cost.
import type { Logger } from 'pino';
import { errorMessage } from '../../base/errors.ts';
import type { EventLog, Tx } from '../engine/event-log.ts';

/** At most this many requests in one transaction: a transaction holds the write lock while it runs. */
const DEFAULT_MAX_BATCH = 100;

interface Waiting {
  work: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly deps: { events: Pick<EventLog, 'transaction'>; log: Logger; maxBatch?: number }) {}

  /**
   * Runs `work` in a transaction shared with the other requests waiting, like
   * `EventLog.transaction`: resolves with its result once that transaction committed (its events
   * published, its effects run), or rejects with what it threw. When any work of a shared
   * transaction throws, nothing of it is stored and each of its works runs again in a transaction
   * of its own, so that one request's refusal is never another's: `work` must be safe to run again,
   * as for a transaction the store retries.
   */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // In the check phase: the requests read in the same turn of the event loop go together.
      if (!this.writing && this.waiting.length === 1) setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.deps.maxBatch ?? DEFAULT_MAX_BATCH);
        if (batch.length === 1) await this.alone(batch[0]!);
        else await this.together(batch);
      }
    } finally {
      this.writing = false;
    }
  }

  private async together(batch: Waiting[]): Promise<void> {
    // Each work's effects run after the commit as its own: one that throws fails that request only
    // (as EventLog's would), and never makes the committed transaction look failed and run again.
    let effects: (() => Promise<void> | void)[][] = [];
    let results: unknown[];
    try {
      results = await this.deps.events.transaction(async (tx) => {
        effects = batch.map(() => []);
        const done: unknown[] = [];
        for (const [i, { work }] of batch.entries()) done.push(await work({ ...tx, afterCommit: (effect) => void effects[i]!.push(effect) }));
        return done;
      });
    } catch (err) {
      this.deps.log.debug({ err: errorMessage(err), requests: batch.length }, 'a shared transaction failed: each of its requests runs on its own');
      for (const waiting of batch) await this.alone(waiting);
      return;
    }
    for (const [i, waiting] of batch.entries()) {
      try {
        for (const effect of effects[i]!) await effect();
        waiting.resolve(results[i]);
      } catch (err) {
        waiting.reject(err);
      }
    }
  }

  private async alone({ work, resolve, reject }: Waiting): Promise<void> {
    try {
      resolve(await this.deps.events.transaction(work));
    } catch (err) {
      reject(err);
    }
  }
}
