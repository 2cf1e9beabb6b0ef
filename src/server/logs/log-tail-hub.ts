// Live tail of the central log: subscribers with filters get the lines that match, as soon as
// they are stored, in the order stored.
import { matchesLogFilter, type LogFilter } from '../../core/logs/log-filter.ts';
import type { LogLine } from '../../core/model.ts';

interface Subscriber {
  filter: LogFilter;
  onLines: (lines: LogLine[]) => void;
}

export class LogTailHub {
  private readonly subscribers = new Set<Subscriber>();

  /**
   * Calls `onLines` with the lines of each stored batch that match `filter` (never with none), in
   * id order, from now on. Returns the function that stops it.
   */
  subscribe(filter: LogFilter, onLines: (lines: LogLine[]) => void): () => void {
    const subscriber = { filter, onLines };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Hands newly stored lines (in id order) to every subscriber whose filter they match. */
  publish(lines: readonly LogLine[]): void {
    if (lines.length === 0) return;
    for (const { filter, onLines } of this.subscribers) {
      const matching = lines.filter((line) => matchesLogFilter(filter, line));
      if (matching.length > 0) onLines(matching);
    }
  }

  /** How many subscribers are listening. */
  get size(): number {
    return this.subscribers.size;
  }
}
