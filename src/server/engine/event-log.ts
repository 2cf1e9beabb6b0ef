// The server's own record of what happened (run started, rollback begun, …): stored in the events
// table, written to the central log as a line (by `toLog`), and handed to live listeners.
import type { Clock } from '../../base/clock.ts';
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

export class EventLog {
  private readonly listeners = new Set<(event: SlipwayEvent) => void>();

  /** `toLog` writes the stored event to the central log; it must not throw (see ServerEventLines). */
  constructor(private readonly store: Store, private readonly clock: Clock, private readonly toLog?: (event: SlipwayEvent) => Promise<void>) {}

  /** Stores the event, starts writing its log line, and tells the listeners. */
  async emit(kind: string, message: string, refs: EventRefs = {}): Promise<SlipwayEvent> {
    const event = await this.store.events.append({
      at: this.clock.now(),
      kind,
      message,
      projectId: refs.projectId ?? null,
      runId: refs.runId ?? null,
      deploymentId: refs.deploymentId ?? null,
      actor: refs.actor ?? null,
      data: refs.data ?? {},
    });
    // Not awaited: under heavy log ingest the engine must not wait for a log write.
    void this.toLog?.(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Calls `listener` for every event from now on; returns the function that stops it. */
  subscribe(listener: (event: SlipwayEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
