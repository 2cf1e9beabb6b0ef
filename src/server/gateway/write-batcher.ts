// What agents tell the server that must be stored before it is acted on (a connection began or
// ended, a command's result), written together a few milliseconds after it arrives, not in one
// transaction each: after a server restart thousands of agents say hello within seconds, and a
// restore is answered by every host of an environment at once. On SQLite's one connection, one
// commit per message queued them all behind each other.
import type { Logger } from 'pino';
import { errorMessage } from '../../base/errors.ts';

export interface WriteBatcherDeps<Change, Outcome> {
  /** Stores the changes in the order given, in one transaction; returns each one's outcome, in order. */
  write: (changes: readonly Change[]) => Promise<Outcome[]>;
  log: Logger;
  /** What the changes are, for the log. */
  what: string;
  /** How long after the first change of a batch it is written. */
  everyMs: number;
}

interface Queued<Change, Outcome> {
  change: Change;
  done: (outcome: Outcome) => void;
  failed: (err: unknown) => void;
}

export class WriteBatcher<Change, Outcome> {
  private queue: Queued<Change, Outcome>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(private readonly deps: WriteBatcherDeps<Change, Outcome>) {}

  /**
   * Queues the change; resolves with its outcome once it is stored, rejects when the store refused
   * it. Changes are written in the order they were added (writes never overlap): a change never
   * overtakes one added before it, such as an agent's disconnection its connection.
   */
  add(change: Change): Promise<Outcome> {
    return new Promise<Outcome>((done, failed) => {
      this.queue.push({ change, done, failed });
      this.schedule();
    });
  }

  /** Writes what is queued now, without waiting for the timer (a closing server). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
      // Added while that write ran: their turn now.
      if (this.queue.length > 0) this.schedule();
    });
    return this.writing;
  }

  private schedule(): void {
    // A write under way takes the next batch when it ends (see flush).
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => void this.flush(), this.deps.everyMs);
  }

  private async writeAll(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
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
