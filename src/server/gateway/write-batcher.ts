// What agents tell the server that must be stored before it is acted on (a connection began or
// ended, a command's result), written together, not in one transaction each: after a server
// restart thousands of agents say hello within seconds, and a restore is answered by every host of
// an environment at once. On SQLite's one connection, one commit per message queued them all
// behind each other. A group commit: what arrived in one turn of the event loop is written at its
// end, and what arrives while a write is under way goes with the next one. Nothing waits for a
// timer: a lone result (a rollout of batch 1) is stored at once; a fixed 5 ms wait added 5 s to a
// rollout of 1,000 hosts one by one.
import type { Logger } from 'pino';
import { errorMessage } from '../../base/errors.ts';

export interface WriteBatcherDeps<Change, Outcome> {
  /** Stores the changes in the order given, in one transaction; returns each one's outcome, in order. */
  write: (changes: readonly Change[]) => Promise<Outcome[]>;
  log: Logger;
  /** What the changes are, for the log. */
  what: string;
}

interface Queued<Change, Outcome> {
  change: Change;
  done: (outcome: Outcome) => void;
  failed: (err: unknown) => void;
}

export class WriteBatcher<Change, Outcome> {
  private queue: Queued<Change, Outcome>[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private writing: Promise<void> | undefined;
  /** Changes added so far, and those whose write ended (stored or refused): what flush() waits for. */
  private added = 0;
  private ended = 0;

  constructor(private readonly deps: WriteBatcherDeps<Change, Outcome>) {}

  /**
   * Queues the change; resolves with its outcome once it is stored, rejects when the store refused
   * it. Changes are written in the order they were added (writes never overlap): a change never
   * overtakes one added before it, such as an agent's disconnection its connection.
   */
  add(change: Change): Promise<Outcome> {
    return new Promise<Outcome>((done, failed) => {
      this.added++;
      this.queue.push({ change, done, failed });
      this.schedule();
    });
  }

  /**
   * Writes what is queued now, without waiting for the end of this turn (a closing server), and
   * resolves once every change added before the call is stored or refused: a write under way took
   * only what was queued when it began, so the ones added since are written after it and waited for too.
   */
  async flush(): Promise<void> {
    const through = this.added;
    while (this.ended < through) await this.write();
  }

  /** The write under way, or one of what is queued now. */
  private write(): Promise<void> {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
      // Added while that write ran: their turn now.
      if (this.queue.length > 0) this.schedule();
    });
    return this.writing;
  }

  private schedule(): void {
    // A write under way takes the next batch when it ends (see write).
    if (this.scheduled || this.writing) return;
    this.scheduled = setImmediate(() => void this.write());
  }

  private async writeAll(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      await this.writeBatch(batch);
    } finally {
      this.ended += batch.length;
    }
  }

  private async writeBatch(batch: Queued<Change, Outcome>[]): Promise<void> {
    try {
      const outcomes = await this.deps.write(batch.map((q) => q.change));
      if (outcomes.length !== batch.length) throw new Error(`the store answered ${outcomes.length} outcomes for ${batch.length} ${this.deps.what}`);
      batch.forEach((q, i) => q.done(outcomes[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.failed(err);
        return;
      }
      // One change the database refuses must not cost the others theirs: each is tried alone, in order.
      this.deps.log.warn({ err: errorMessage(err), changes: batch.length }, `could not store ${this.deps.what} together; storing each alone`);
      for (const q of batch) {
        try {
          const [outcome] = await this.deps.write([q.change]);
          if (outcome === undefined) q.failed(new Error(`the store answered no outcome for one of ${this.deps.what}`));
          else q.done(outcome);
        } catch (alone) {
          q.failed(alone);
        }
      }
    }
  }
}
