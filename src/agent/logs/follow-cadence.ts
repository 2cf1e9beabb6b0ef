// When a FileFollower reads: on its timer (slowly while the kernel watches every folder that
// matters, often where it cannot), soon after a change the kernel reports, and with the globs
// searched again at most every five pollMs.

export interface CadenceOptions {
  /** Pause between polls while some folder that matters is not watched (default 100 ms). */
  pollMs?: number;
  /** Pause between polls while every folder that matters is watched (default 1 s): a safety net. */
  watchedPollMs?: number;
  /** From a change reported to the read (default 10 ms): the changes of those ms are read together. */
  wakeMs?: number;
  /** Whether some pattern has a wildcard, so that new files must be searched for. */
  hasGlobs: boolean;
}

export class FollowCadence {
  private timer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  /** After a wake that came before the globs were due: a wake when they are. */
  private globTimer: NodeJS.Timeout | undefined;
  private globsSearchedAt = 0;
  /** Whether the kernel watches every folder that matters and no rotated file is being finished. */
  private watched = false;
  /** Whether the timer pending was set while watched (at the slow pace). */
  private timerWatched = false;
  private wakeAfterPoll = false;
  private stopped = false;

  /**
   * `poll` starts a poll (searching the globs or not); `busy` says whether one is running: a poll
   * on the timer is skipped then, and a wake waits for its end.
   */
  constructor(
    private readonly options: CadenceOptions,
    private readonly poll: (searchGlobs: boolean) => void,
    private readonly busy: () => boolean,
  ) {}

  start(): void {
    this.schedule();
  }

  /** No poll is started any more. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.wakeTimer);
    clearTimeout(this.globTimer);
  }

  /** Whether a poll should search the globs again: every fifth pollMs, on the timer or woken. */
  globsDue(): boolean {
    return Date.now() - this.globsSearchedAt >= this.globSearchMs();
  }

  /** A poll searches the globs now. */
  globsSearched(): void {
    this.globsSearchedAt = Date.now();
  }

  /** What a poll found: whether every folder that matters is watched. When that ends, the timer speeds up at once. */
  setWatched(watched: boolean): void {
    this.watched = watched;
    if (this.timerWatched && !watched && this.timer !== undefined && !this.stopped) {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

  /**
   * A change in a watched folder: a poll soon, once for all the changes of the next wakeMs. Globs
   * are searched if they are due, else when they are (a file that appeared is found within five pollMs).
   */
  wake(): void {
    if (this.wakeTimer !== undefined || this.stopped) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      // While a poll runs, one more after it: wakes never pile up behind a slow poll.
      if (this.busy()) this.wakeAfterPoll = true;
      else this.poll(this.globsDue());
      if (!this.globsDue() && this.options.hasGlobs) {
        this.globTimer ??= setTimeout(() => {
          this.globTimer = undefined;
          this.wake();
        }, this.globsSearchedAt + this.globSearchMs() - Date.now());
      }
    }, this.options.wakeMs ?? 10);
  }

  /** The running poll ended: a wake that came during it is served now. */
  pollEnded(): void {
    if (!this.wakeAfterPoll) return;
    this.wakeAfterPoll = false;
    this.wake();
  }

  /** The next poll on the timer; a slow poll (a truncation waiting for the disk) is not queued up behind. */
  private schedule(): void {
    if (this.stopped) return;
    this.timerWatched = this.watched;
    this.timer = setTimeout(() => {
      if (!this.busy()) this.poll(this.globsDue());
      this.schedule();
    }, this.watched ? (this.options.watchedPollMs ?? 1000) : (this.options.pollMs ?? 100));
  }

  private globSearchMs(): number {
    return 5 * (this.options.pollMs ?? 100);
  }
}
