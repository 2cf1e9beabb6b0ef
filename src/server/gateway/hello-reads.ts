// What an agent's hello reads from the store, batched: thousands of hellos arrive within seconds of
// a server's restart, and one query for the rows of all those of a few milliseconds costs little
// more CPU than one for a single row.
import type { Agent } from '../../core/model.ts';
import type { AgentCommand, Store } from '../../storage/store.ts';
import { ReadBatcher } from './read-batcher.ts';

/** What hellos read is read together, this long after the first of them asks. */
const BATCHED_READ_MS = 5;

/** What a hello reads, by agent id; each read is made after it is asked (ReadBatcher.get). */
export interface HelloReads {
  /** The agent's row (store.agents.getMany). */
  rows: ReadBatcher<string, Agent>;
  /** The highest seq of its log lines stored (store.logs.maxSeqOf); none: undefined. */
  logSeqs: ReadBatcher<string, number>;
  /** Its unanswered commands, oldest first (store.commands.listPendingOf); none: undefined. */
  pending: ReadBatcher<string, AgentCommand[]>;
}

export function createHelloReads(store: Pick<Store, 'agents' | 'logs' | 'commands'>): HelloReads {
  return {
    rows: new ReadBatcher({ read: (ids: readonly string[]) => store.agents.getMany(ids), everyMs: BATCHED_READ_MS }),
    logSeqs: new ReadBatcher({ read: (ids: readonly string[]) => store.logs.maxSeqOf(ids), everyMs: BATCHED_READ_MS }),
    pending: new ReadBatcher({ read: (ids: readonly string[]) => store.commands.listPendingOf(ids), everyMs: BATCHED_READ_MS }),
  };
}
