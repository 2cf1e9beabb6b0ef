// The log lines of agents connecting: one per agent when they come one at a time, and a summary
// per window when a fleet reconnects at once (after a server restart, thousands within seconds:
// a synchronous line each cost the hellos measurable CPU and told an operator nothing more).
import type { Logger } from 'pino';

export interface ConnectionLogDeps {
  log: Logger;
  /** How long after a connection logged on its own the ones that followed are summed up in one line. */
  windowMs: number;
}

/** How many names a summary line lists. */
const NAMES_SHOWN = 5;

export class ConnectionLog {
  private timer: NodeJS.Timeout | undefined;
  private followers: string[] = [];
  private followerCount = 0;

  constructor(private readonly deps: ConnectionLogDeps) {}

  /**
   * Logs that this agent connected: on its own at info when no other did within the window
   * before, else at debug now and counted into the window's summary at info.
   */
  connected(agent: string, details: Record<string, unknown>): void {
    if (!this.timer) {
      this.deps.log.info({ agent, ...details }, 'agent connected');
      this.timer = setTimeout(() => this.summarize(), this.deps.windowMs);
      this.timer.unref();
      return;
    }
    this.deps.log.debug({ agent, ...details }, 'agent connected');
    this.followerCount++;
    if (this.followers.length < NAMES_SHOWN) this.followers.push(agent);
  }

  /** Whether a connection now would be summed up rather than logged on its own. */
  get windowOpen(): boolean {
    return this.timer !== undefined;
  }

  /** Logs what the window holds now and stops its timer (a closing server). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.logSummary();
  }

  private summarize(): void {
    this.timer = undefined;
    // A window that held others keeps summing up: a storm is one line a window, not one line and a summary each.
    if (this.logSummary()) {
      this.timer = setTimeout(() => this.summarize(), this.deps.windowMs);
      this.timer.unref();
    }
  }

  private logSummary(): boolean {
    const count = this.followerCount;
    if (count === 0) return false;
    const more = count > this.followers.length ? ` and ${count - this.followers.length} more` : '';
    this.deps.log.info({ agents: count, first: this.followers }, `${count} ${count === 1 ? 'agent' : 'agents'} connected (${this.followers.join(', ')}${more})`);
    this.followers = [];
    this.followerCount = 0;
    return true;
  }
}
