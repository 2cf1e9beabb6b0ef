// Heartbeats are written to the store together, once a second, not one write per beat: a fleet of
// thousands beating every few seconds would otherwise be a write per millisecond.
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import { errorMessage } from '../../base/errors.ts';
import type { AgentStore } from '../../storage/store.ts';

export class HeartbeatWriter {
  /** Agents heard from since the last write. */
  private beaten = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly deps: { store: { agents: Pick<AgentStore, 'markSeen'> }; clock: Clock; log: Logger; everyMs: number }) {
    this.timer = setInterval(() => void this.write(), deps.everyMs);
    this.timer.unref();
  }

  /** The agent beat: its last-seen time is written with the others' at the next write. */
  heard(agentId: string): void {
    this.beaten.add(agentId);
  }

  /** The agent's connection ended, and that was recorded with its own time. */
  forget(agentId: string): void {
    this.beaten.delete(agentId);
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Writes when the agents heard from since the last write were last heard from, in one statement. */
  private async write(): Promise<void> {
    if (this.beaten.size === 0) return;
    const ids = [...this.beaten];
    this.beaten = new Set();
    try {
      await this.deps.store.agents.markSeen(ids, this.deps.clock.now());
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err), agents: ids.length }, 'could not record heartbeats; trying again in a second');
      for (const id of ids) this.beaten.add(id);
    }
  }
}
