// The server's record of what happened (run started, rollback begun, …), and the way every action
// is written down: in one store transaction together with the events that record it. Once the
// transaction committed, the events are written to the central log (by `toLog`) and handed to
// live listeners, and the action's effects (waking an agent) run.
import type { Clock } from '../../base/clock.ts';
import type { NewAuditEntry } from '../../core/audit/audit-entry.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';

export interface EventRefs {
  projectId?: string | null;
  runId?: string | null;
  deploymentId?: string | null;
  /** Who did it: the name of the principal whose request this event records; absent when the server acted by itself. */
  actor?: string | null;
  data?: Record<string, unknown>;
}

/** What an action gets inside its transaction. */
export interface Tx {
  /** The store, bound to the transaction. */
  store: Store;
  /** Records an event in the transaction; it is published once the transaction committed. */
  emit(kind: string, message: string, refs?: EventRefs): Promise<SlipwayEvent>;
  /**
   * Records an audit entry in the transaction, dated by the clock now: it is appended when `work`
   * has returned, with the transaction's other entries in the order recorded, as the transaction's
   * last write, so it commits with the change it records, or not at all. Its message is masked
   * like an event's; a secret's value never belongs in `before`/`after`.
   */
  audit(entry: Omit<NewAuditEntry, 'at'>): Promise<void>;
  /** Runs `effect` after the commit (and not at all when the transaction fails). */
  afterCommit(effect: () => Promise<void> | void): void;
}

/** Thrown inside a transaction when what the action was planned on changed meanwhile: it rolls back and the planner looks again. */
export class StaleAction extends Error {
  constructor(what: string) {
    super(`stale action: ${what}`);
    this.name = 'StaleAction';
  }
}

export class EventLog {
  private readonly listeners = new Set<(event: SlipwayEvent) => void>();

  /**
   * `toLog` writes the stored event to the central log; it must not throw (see ServerEventLines).
   * `mask` masks secrets in an event's message (one from an agent's answer, say) before it is stored.
   */
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly toLog?: (event: SlipwayEvent) => Promise<void>,
    private readonly mask: (text: string) => string = (text) => text,
  ) {}

  /**
   * Runs `work` in one store transaction. The events it emits are stored in that transaction; after
   * the commit they are published, then the effects run in order. When `work` throws, nothing of it
   * is stored or published, and the error is rethrown.
   */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let events: SlipwayEvent[] = [];
    let effects: (() => Promise<void> | void)[] = [];
    const result = await this.store.transaction(async (store) => {
      // A transaction the store retries starts from nothing again.
      events = [];
      effects = [];
      const audits: NewAuditEntry[] = [];
      const done = await work({
        store,
        emit: async (kind, message, refs) => {
          const event = await store.events.append(this.newEvent(kind, message, refs));
          events.push(event);
          return event;
        },
        audit: (entry) => {
          audits.push({ ...entry, at: this.clock.now(), message: entry.message === null ? null : this.mask(entry.message) });
          return Promise.resolve();
        },
        afterCommit: (effect) => void effects.push(effect),
      });
      // One move of the chain head for all of them, and the head's lock (PostgreSQL) taken last:
      // held only until the commit, never while this transaction waits for another lock.
      await store.audit.appendMany(audits);
      return done;
    });
    for (const event of events) this.publish(event);
    for (const effect of effects) await effect();
    return result;
  }

  /** Records one event on its own: its transaction holds nothing else. */
  emit(kind: string, message: string, refs: EventRefs = {}): Promise<SlipwayEvent> {
    return this.transaction((tx) => tx.emit(kind, message, refs));
  }

  /** Calls `listener` for every event from now on; returns the function that stops it. */
  subscribe(listener: (event: SlipwayEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private newEvent(kind: string, message: string, refs: EventRefs = {}): Omit<SlipwayEvent, 'id'> {
    return {
      at: this.clock.now(),
      kind,
      message: this.mask(message),
      projectId: refs.projectId ?? null,
      runId: refs.runId ?? null,
      deploymentId: refs.deploymentId ?? null,
      actor: refs.actor ?? null,
      data: refs.data ?? {},
    };
  }

  private publish(event: SlipwayEvent): void {
    // Not awaited: under heavy log ingest the engine must not wait for a log write.
    void this.toLog?.(event);
    for (const listener of this.listeners) listener(event);
  }
}
