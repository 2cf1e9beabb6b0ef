// A live feed of stored items (log lines, events) that every server instance sees: the instance
// that stores a batch hands it to its own subscribers at once and announces its id range on a
// notifier channel; the others read that range from the store. While anyone is subscribed, each
// instance also polls the store after the highest id it has seen, so a lost announcement delays
// items and never loses them. Ids are not in commit order across instances (PostgreSQL: one takes
// id 100, another 101 and commits first), so the ids the cursor jumped over are looked at again
// by each poll for a while (lookBackMs): an item that commits late is still found when its
// announcement is lost.
import type { Logger } from 'pino';
import { errorMessage } from '../../base/errors.ts';
import { RecentIds } from '../../base/recent-ids.ts';
import type { Notifier } from '../../storage/notifier.ts';

export interface SharedFeedDeps<T> {
  /** Absent: this instance alone (SQLite); only what it publishes reaches its subscribers. */
  notifier?: Pick<Notifier, 'notify' | 'listen'>;
  channel: string;
  /** This instance's own announcements are not read back. */
  instanceId: string;
  idOf(item: T): number;
  /** The stored items with an id above `afterId`, oldest first, at most `limit`. */
  readAfter(afterId: number, limit: number): Promise<readonly T[]>;
  /** The highest id stored now, 0 when none: where a poll starts. */
  lastId(): Promise<number>;
  log: Pick<Logger, 'warn'>;
  /** How often the store is polled while someone is subscribed (default 3 s). */
  pollMs?: number;
  /** Items read at a time (default 1000). */
  pageSize?: number;
  /**
   * The unit of commit an id belongs to (default: the id itself): items of one unit commit
   * together and units are numbered in the order drawn, so only a skipped unit is a gap where an
   * item may commit late (log lines on PostgreSQL: a chunk per unit, ids 65,536 apart).
   */
  unitOf?: (id: number) => number;
  /** How long the ids the cursor jumped over are looked for again, for items that commit late (default 15 s). */
  lookBackMs?: number;
}

/** Pages a poll reads at most per look: a backlog is caught up over several looks. */
const MAX_POLL_PAGES = 10;
/** Ranges of ids jumped over that are kept at most; beyond, the oldest are given up. */
const MAX_GAPS = 1000;

interface Gap {
  first: number;
  last: number;
  /** Date.now() after which nothing is looked for in it any more. */
  until: number;
}

export class SharedFeed<T> {
  private readonly subscribers = new Set<(items: readonly T[]) => void>();
  private readonly seen = new RecentIds(0, 20_000);
  /** The highest id handed out; undefined while nobody listens (a poll then starts at the newest). */
  private cursor: number | undefined;
  /** Ids the cursor jumped over, in id order: an item may still commit there (see lookBack). */
  private gaps: Gap[] = [];
  /**
   * Ids handed out that lie in a gap. `seen` takes every id below the 20,000 it keeps as handed
   * out, but an item in a gap may commit after many more went by: these are kept apart while the gap is.
   */
  private readonly seenInGaps = new Set<number>();
  /** Ranges announced by other instances, read one after the other. */
  private reading: Promise<void> = Promise.resolve();
  private pending: { first: number; last: number }[] = [];
  private announce: { first: number; last: number } | undefined;
  private readonly poller: NodeJS.Timeout;
  private polling = false;
  /** Counts the times the subscribers came back after none: a poll of an earlier time is dropped. */
  private generation = 0;
  private unlisten: (() => void) | undefined;
  private closed = false;

  constructor(private readonly deps: SharedFeedDeps<T>) {
    this.poller = setInterval(() => void this.poll(), deps.pollMs ?? 3000);
    this.poller.unref();
  }

  /** Starts hearing the other instances' announcements; resolves once listening. */
  async listen(): Promise<void> {
    this.unlisten = await this.deps.notifier?.listen(this.deps.channel, (payload) => this.heard(payload));
  }

  /**
   * Calls `handler` with every item stored from now on, by any instance, each once (several at a
   * time, oldest first within a call; calls may come a little out of id order between instances).
   * Returns the function that stops it.
   */
  subscribe(handler: (items: readonly T[]) => void): () => void {
    // The first subscriber after none: the poll starts again from the newest item, not from an old cursor.
    const first = this.subscribers.size === 0;
    this.subscribers.add(handler);
    if (first) {
      this.cursor = undefined;
      this.gaps = [];
      this.seenInGaps.clear();
      this.generation += 1;
      void this.poll();
    }
    return () => this.subscribers.delete(handler);
  }

  /** Items this instance just stored (in id order): to the subscribers at once, then announced. */
  publish(items: readonly T[]): void {
    if (items.length === 0) return;
    this.handOut(items);
    if (!this.deps.notifier) return;
    const first = this.deps.idOf(items[0]!);
    const last = this.deps.idOf(items[items.length - 1]!);
    // One announcement per turn of the event loop, however many batches were stored in it.
    if (this.announce) {
      this.announce = { first: Math.min(this.announce.first, first), last: Math.max(this.announce.last, last) };
      return;
    }
    this.announce = { first, last };
    setImmediate(() => {
      const range = this.announce!;
      this.announce = undefined;
      if (!this.closed) void this.deps.notifier?.notify(this.deps.channel, `${this.deps.instanceId} ${range.first} ${range.last}`);
    });
  }

  /** How many subscribers are listening. */
  get size(): number {
    return this.subscribers.size;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poller);
    this.unlisten?.();
    this.subscribers.clear();
  }

  private handOut(items: readonly T[]): void {
    if (this.subscribers.size === 0) return;
    const fresh = items.filter((item) => this.isFresh(this.deps.idOf(item)));
    if (fresh.length === 0) return;
    this.advance(fresh.map((item) => this.deps.idOf(item)));
    for (const subscriber of [...this.subscribers]) subscriber(fresh);
  }

  /** Whether the item `id` was not handed out yet: recorded as handed out now. */
  private isFresh(id: number): boolean {
    if (!this.inGap(id)) return this.seen.add(id);
    if (this.seenInGaps.has(id)) return false;
    this.seenInGaps.add(id);
    return this.seen.addBelowFloorToo(id);
  }

  /** Moves the cursor to the highest of `ids`, noting the ids it jumps over as gaps. */
  private advance(ids: number[]): void {
    if (this.cursor === undefined) return;
    const until = Date.now() + (this.deps.lookBackMs ?? 15_000);
    const unitOf = this.deps.unitOf ?? ((id: number) => id);
    for (const id of [...ids].sort((a, b) => a - b)) {
      if (id <= this.cursor) continue;
      if (unitOf(id) > unitOf(this.cursor) + 1) this.gaps.push({ first: this.cursor + 1, last: id - 1, until });
      this.cursor = id;
    }
    if (this.gaps.length > MAX_GAPS) this.gaps.splice(0, this.gaps.length - MAX_GAPS);
  }

  /**
   * Reads again the gaps still looked at, oldest first, up to the cursor, and hands out the items
   * found in a gap that were not handed out yet: those committed after a later id was seen.
   */
  private async lookBack(generation: number): Promise<void> {
    const now = Date.now();
    this.gaps = this.gaps.filter((gap) => gap.until > now);
    for (const id of this.seenInGaps) if (!this.inGap(id)) this.seenInGaps.delete(id);
    const cursor = this.cursor;
    const pageSize = this.deps.pageSize ?? 1000;
    let after = (this.gaps[0]?.first ?? Infinity) - 1;
    for (let pages = 0; pages < MAX_POLL_PAGES && cursor !== undefined && after < cursor && !this.closed; pages++) {
      const page = await this.deps.readAfter(after, pageSize);
      if (generation !== this.generation) return;
      this.handOut(page.filter((item) => this.inGap(this.deps.idOf(item))));
      if (page.length < pageSize) return;
      // On from the next gap, not through the items between (looked at once, by the poll that passed them).
      const next = this.gapAfter(this.deps.idOf(page[page.length - 1]!));
      if (next === undefined) return;
      after = Math.max(this.deps.idOf(page[page.length - 1]!), next.first - 1);
    }
  }

  /** The first gap that holds an id above `id` (binary search: they are in id order). */
  private gapAfter(id: number): Gap | undefined {
    let low = 0;
    let high = this.gaps.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.gaps[middle]!.last > id) high = middle;
      else low = middle + 1;
    }
    return this.gaps[low];
  }

  /** Whether `id` lies in a gap (they are in id order: a binary search). */
  private inGap(id: number): boolean {
    let low = 0;
    let high = this.gaps.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const gap = this.gaps[middle]!;
      if (id < gap.first) high = middle - 1;
      else if (id > gap.last) low = middle + 1;
      else return true;
    }
    return false;
  }

  private heard(payload: string): void {
    const [instance, first, last] = payload.split(' ');
    const range = { first: Number(first), last: Number(last) };
    if (instance === this.deps.instanceId || this.subscribers.size === 0) return;
    if (!Number.isSafeInteger(range.first) || !Number.isSafeInteger(range.last) || range.last < range.first) return;
    // Ranges heard while others are read are read next, those that touch merged into one.
    this.pending.push(range);
    if (this.pending.length > 1) return;
    this.reading = this.reading.then(async () => {
      for (const { first: from, last: to } of mergeRanges(this.pending.splice(0))) await this.readRange(from, to);
    });
  }

  private async readRange(first: number, last: number): Promise<void> {
    const pageSize = this.deps.pageSize ?? 1000;
    try {
      for (let after = first - 1; after < last && !this.closed;) {
        const page = await this.deps.readAfter(after, Math.min(pageSize, last - after));
        const inRange = page.filter((item) => this.deps.idOf(item) <= last);
        this.handOut(inRange);
        if (inRange.length < page.length || page.length === 0) break;
        after = this.deps.idOf(page[page.length - 1]!);
      }
    } catch (err) {
      // The poll reads them instead.
      this.deps.log.warn({ err: errorMessage(err), channel: this.deps.channel }, 'could not read what another instance announced');
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed || this.subscribers.size === 0) return;
    this.polling = true;
    // A poll that started before the subscribers came back leaves the cursor to the next one.
    const generation = this.generation;
    try {
      if (this.cursor === undefined) {
        const last = await this.deps.lastId();
        if (generation === this.generation) this.cursor ??= last;
        return;
      }
      const pageSize = this.deps.pageSize ?? 1000;
      for (let pages = 0; pages < MAX_POLL_PAGES && !this.closed; pages++) {
        const after: number | undefined = this.cursor;
        if (after === undefined) break;
        const page = await this.deps.readAfter(after, pageSize);
        if (page.length === 0 || generation !== this.generation) break;
        this.handOut(page);
        // Past the page even where nothing of it was new (handed out already by an announcement).
        this.advance(page.map((item) => this.deps.idOf(item)));
        if (page.length < pageSize) break;
      }
      await this.lookBack(generation);
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err), channel: this.deps.channel }, 'could not poll the store for new items');
    } finally {
      this.polling = false;
    }
  }
}

/** The ranges in id order, those that overlap or touch merged: nothing between two ranges is read. */
function mergeRanges(ranges: { first: number; last: number }[]): { first: number; last: number }[] {
  const merged: { first: number; last: number }[] = [];
  for (const range of [...ranges].sort((a, b) => a.first - b.first)) {
    const previous = merged[merged.length - 1];
    if (previous && range.first <= previous.last + 1) previous.last = Math.max(previous.last, range.last);
    else merged.push({ ...range });
  }
  return merged;
}
