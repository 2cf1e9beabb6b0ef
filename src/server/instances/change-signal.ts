// "Something the engine waits for happened" (an agent answered, connected or went away), said to
// the engine of this instance at once and to those of the other instances through the notifier:
// the agent's answer lands on the instance that holds its connection, while the engine that
// waits for it may run on another. The engines' own ticks are the fallback for a lost wake-up.
import type { Notifier } from '../../storage/notifier.ts';

/** The channel of the wake-ups (payload: the id of the instance that sent it). */
export const CHANGES_CHANNEL = 'changes';

export interface ChangeSignalDeps {
  /** Absent: this instance alone. */
  notifier?: Pick<Notifier, 'notify' | 'listen'>;
  instanceId: string;
  /** Wakes this instance's engine. */
  onChange: () => void;
}

export class ChangeSignal {
  private announcing = false;
  private unlisten: (() => void) | undefined;
  private closed = false;

  constructor(private readonly deps: ChangeSignalDeps) {}

  /** Starts hearing the other instances' wake-ups; resolves once listening. */
  async listen(): Promise<void> {
    this.unlisten = await this.deps.notifier?.listen(CHANGES_CHANNEL, (instanceId) => {
      if (instanceId !== this.deps.instanceId) this.deps.onChange();
    });
  }

  /** Wakes this instance's engine now and the others' soon: one notification per turn of the event loop. */
  announce(): void {
    this.deps.onChange();
    if (!this.deps.notifier || this.announcing || this.closed) return;
    this.announcing = true;
    setImmediate(() => {
      this.announcing = false;
      if (!this.closed) void this.deps.notifier?.notify(CHANGES_CHANNEL, this.deps.instanceId);
    });
  }

  close(): void {
    this.closed = true;
    this.unlisten?.();
  }
}
