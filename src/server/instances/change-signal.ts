// "Something the engine waits for happened" (an agent answered, connected or went away; a request
// or a trigger created a run or a deployment, approved a stage, changed an agent), said to
// the engine of this instance at once and to those of the other instances through the notifier:
// the agent's answer or the request lands on one instance, while the engine that waits for it
// may run on another. It is the one way to wake the engine. The engines' own ticks are the fallback for a lost wake-up.
import type { Notifier } from '../../storage/notifier.ts';

/**
 * The channel of the wake-ups. Payload: the id of the instance that sent it, then either the ids of
 * the commands answered (comma-separated: only their deployments need a look) or `*` (anything).
 */
export const CHANGES_CHANNEL = 'changes';

/** Beyond this many answers in one turn, one general wake-up says it (NOTIFY payloads stay small). */
const MAX_IDS_PER_NOTIFICATION = 100;

export interface ChangeSignalDeps {
  /** Absent: this instance alone. */
  notifier?: Pick<Notifier, 'notify' | 'listen'>;
  instanceId: string;
  /** Wakes this instance's engine: for the answer to `commandId`, or for anything. */
  onChange: (commandId?: string) => void;
}

export class ChangeSignal {
  /** What this turn of the event loop announces: answered commands, or '*' for anything. */
  private pending: Set<string> | undefined;
  private unlisten: (() => void) | undefined;
  private closed = false;

  constructor(private readonly deps: ChangeSignalDeps) {}

  /** Starts hearing the other instances' wake-ups; resolves once listening. */
  async listen(): Promise<void> {
    this.unlisten = await this.deps.notifier?.listen(CHANGES_CHANNEL, (payload) => {
      const [instanceId, what = '*'] = payload.split(' ');
      if (instanceId === this.deps.instanceId) return;
      if (what === '*') this.deps.onChange();
      else for (const commandId of what.split(',')) this.deps.onChange(commandId);
    });
  }

  /**
   * Wakes this instance's engine now and the others' soon (one notification per turn of the event
   * loop): for the answer to `commandId`, or for anything when there is none.
   */
  announce(commandId?: string): void {
    this.deps.onChange(commandId);
    if (!this.deps.notifier || this.closed) return;
    if (!this.pending) {
      this.pending = new Set();
      setImmediate(() => this.send());
    }
    this.pending.add(commandId ?? '*');
  }

  private send(): void {
    const pending = this.pending ?? new Set();
    this.pending = undefined;
    if (this.closed) return;
    const what = pending.has('*') || pending.size > MAX_IDS_PER_NOTIFICATION ? '*' : [...pending].join(',');
    void this.deps.notifier?.notify(CHANGES_CHANNEL, `${this.deps.instanceId} ${what}`);
  }

  close(): void {
    this.closed = true;
    this.unlisten?.();
  }
}
