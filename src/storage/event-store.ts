// The Store's port for the event log the UI and the CLI follow.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { SlipwayEvent } from '../core/model.ts';

/** `actor` absent: the server did it by itself (null). */
export type NewEvent = Omit<SlipwayEvent, 'id' | 'actor'> & { actor?: string | null };

export interface EventStore {
  append(event: NewEvent): Promise<SlipwayEvent>;
  /**
   * Events after `afterId`, oldest first, optionally of one run, deployment or project; with
   * `projectIds`, only events of those projects (none about no project: agents, users), for
   * readers whose grants name projects.
   */
  list(filter: { afterId?: number; runId?: string; deploymentId?: string; projectId?: string; projectIds?: readonly string[]; limit: number }): Promise<SlipwayEvent[]>;
  /** The highest event id stored, 0 when there is none: where a reader of new events starts. */
  lastId(): Promise<number>;
}
