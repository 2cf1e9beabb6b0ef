// Live tail of the central log: subscribers with filters get the lines that match, as soon as
// they are stored, in the order stored. With a shared feed, also the lines that the other server
// instances store (announced through the notifier, read from the store).
import { matchesLogFilter, type LogFilter } from '../../core/logs/log-filter.ts';
import type { LogLine } from '../../core/model.ts';
import type { SharedFeed } from '../instances/shared-feed.ts';

interface Subscriber {
  filter: LogFilter;
  onLines: (lines: LogLine[]) => void;
}

export class LogTailHub {
  private readonly subscribers = new Set<Subscriber>();
  /** Subscribed to the feed only while someone tails: nobody reads other instances' lines for nobody. */
  private unsubscribeFeed: (() => void) | undefined;

  /** `feed`: the lines of every instance; absent, only those this one publishes. */
  constructor(private readonly feed?: Pick<SharedFeed<LogLine>, 'publish' | 'subscribe'>) {}

  /**
   * Calls `onLines` with the lines of each stored batch that match `filter` (never with none), in
   * id order within a call, from now on. Returns the function that stops it.
   */
  subscribe(filter: LogFilter, onLines: (lines: LogLine[]) => void): () => void {
    const subscriber = { filter, onLines };
    this.subscribers.add(subscriber);
    this.unsubscribeFeed ??= this.feed?.subscribe((lines) => this.dispatch(lines));
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size > 0) return;
      this.unsubscribeFeed?.();
      this.unsubscribeFeed = undefined;
    };
  }

  /** Hands lines this instance stored (in id order) to every subscriber whose filter they match. */
  publish(lines: readonly LogLine[]): void {
    if (lines.length === 0) return;
    if (this.feed) this.feed.publish(lines);
    else this.dispatch(lines);
  }

  /** How many subscribers are listening. */
  get size(): number {
    return this.subscribers.size;
  }

  private dispatch(lines: readonly LogLine[]): void {
    for (const { filter, onLines } of this.subscribers) {
      const matching = lines.filter((line) => matchesLogFilter(filter, line));
      if (matching.length > 0) onLines(matching);
    }
  }
}
