// One way to serve a live feed that a client can resume (the events stream, the log tail): from
// its Last-Event-ID, the stored items after it first, then live ones as they come, with neither a
// gap nor a duplicate between the two, and a client that falls too far behind dropped (it
// reconnects with its Last-Event-ID and catches up from the store).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RecentIds } from '../../base/recent-ids.ts';
import { openSse, type SseStream } from './sse.ts';

/** What a resumable stream sends: items with increasing ids, kept in a store and announced live. */
export interface ResumableFeed<T> {
  /** The SSE event name of every item (`event`, `line`). */
  event: string;
  /** The item's id: what the client sends back as Last-Event-ID. */
  idOf(item: T): number;
  /**
   * Starts handing each live item that the stream wants to `deliver` (several at once, oldest
   * first, when they come in batches), from now on; returns the function that stops it.
   */
  subscribe(deliver: (items: readonly T[]) => void): () => void;
  /** The stored items with an id above `afterId`, oldest first, at most `limit`. */
  replay(afterId: number, limit: number): Promise<readonly T[]>;
  /** Items read from the store at a time while catching up. */
  pageSize: number;
}

export interface ResumableSseLimits {
  /** Live items held while the stream catches up; beyond it the client is dropped. */
  maxHeldItems: number;
  /** Bytes waiting in the socket; beyond it the client is dropped. */
  maxBufferedBytes: number;
}

const defaultLimits: ResumableSseLimits = { maxHeldItems: 50_000, maxBufferedBytes: 8 * 1024 * 1024 };

export interface ResumableSse {
  /**
   * Takes over the reply and streams `feed` until the client goes away or the app closes. With
   * `from` (the client's resume point), the stored items after it come first, then live ones;
   * without, only items announced from now on. Each item is sent once, live ones in id order.
   * The subscription is in place before the response starts, so a client that has the headers
   * misses nothing after. Resolves once the stream has caught up (not when it ends).
   */
  serve<T>(request: FastifyRequest, reply: FastifyReply, from: number | undefined, feed: ResumableFeed<T>): Promise<void>;
}

/** Resumable streams for the routes of `app`; the ones still open are closed when the app closes. */
export function resumableSse(app: FastifyInstance, limits: Partial<ResumableSseLimits> = {}): ResumableSse {
  const { maxHeldItems, maxBufferedBytes } = { ...defaultLimits, ...limits };
  const open = new Set<SseStream>();
  // Streams never end by themselves: close them, or the server's close would wait for the clients.
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.close();
    done();
  });

  return {
    async serve<T>(request: FastifyRequest, reply: FastifyReply, from: number | undefined, feed: ResumableFeed<T>): Promise<void> {
      const sent = new RecentIds(from ?? 0);
      // The highest id the client has from before (Last-Event-ID) or from the replay. Only an item
      // up to it may be one sent already; one above it is sent unless it was sent just now, even
      // below the ids \`sent\` still remembers: the feed hands each item out once, and an item that
      // committed late on another instance comes after many with higher ids.
      let replayedUpTo = from ?? 0;
      let held: T[] | undefined = [];
      let stream: SseStream | undefined;
      const send = (items: readonly T[]) => {
        if (!stream) return;
        const fresh = items.filter((item) => {
          const id = feed.idOf(item);
          return id > replayedUpTo ? sent.addBelowFloorToo(id) : sent.add(id);
        });
        if (fresh.length === 0) return;
        reply.raw.cork();
        for (const item of fresh) stream.send({ id: feed.idOf(item), event: feed.event, data: item });
        reply.raw.uncork();
        if (reply.raw.writableLength > maxBufferedBytes) stream.close();
      };
      const unsubscribe = feed.subscribe((items) => {
        if (!held) send(items);
        else if (held.length + items.length <= maxHeldItems) held.push(...items);
        else stream?.close();
      });
      const sse = (stream = openSse(request, reply));
      open.add(sse);
      let closed = false;
      void sse.closed.then(() => {
        closed = true;
        unsubscribe();
        open.delete(sse);
      });

      if (from !== undefined) {
        try {
          for (let after = from; ;) {
            const page = await feed.replay(after, feed.pageSize);
            if (closed) return;
            send(page);
            for (const item of page) replayedUpTo = Math.max(replayedUpTo, feed.idOf(item));
            if (page.length < feed.pageSize) break;
            after = feed.idOf(page[page.length - 1]!);
            if (reply.raw.writableNeedDrain) await Promise.race([new Promise((resolve) => reply.raw.once('drain', resolve)), sse.closed]);
          }
        } catch (err) {
          request.log.warn({ err }, `${feed.event} stream catch-up failed; the client will reconnect`);
          sse.close();
          return;
        }
      }
      // Live items may have been announced a little out of id order (two writes in flight at once).
      const live = held.sort((a, b) => feed.idOf(a) - feed.idOf(b));
      held = undefined;
      send(live);
    },
  };
}
