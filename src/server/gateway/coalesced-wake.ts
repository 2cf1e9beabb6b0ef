// Wake-ups that come in bursts (a fleet of thousands connecting after a server restart) called
// at most once per interval: each agent's connection used to wake a look of the engine at
// everything, thousands of full looks in a row for one change that one look sees.

/**
 * Calls `wake` at once when no call was made in the last `everyMs`; a request within that time is
 * answered by one call at its end, however many came. So a lone request is not delayed, and a
 * burst costs one call per `everyMs`.
 */
export class CoalescedWake {
  private timer: NodeJS.Timeout | undefined;
  private requested = false;
  private closed = false;

  constructor(private readonly deps: { wake: () => void; everyMs: number }) {}

  request(): void {
    if (this.closed) return;
    if (this.timer) {
      this.requested = true;
      return;
    }
    this.deps.wake();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.requested) return;
      this.requested = false;
      this.request();
    }, this.deps.everyMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
