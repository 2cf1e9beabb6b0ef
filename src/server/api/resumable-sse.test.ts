// The resumable stream on its own, with a feed held in memory: the hand-over from stored to live
// items, and a client dropped when it falls too far behind.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { resumableSse, type ResumableFeed } from './resumable-sse.ts';

interface Item {
  id: number;
}

/** A feed of stored items; `announce` plays the live side. Replay waits for `release` when it is set. */
function memoryFeed(stored: Item[]) {
  const listeners = new Set<(items: readonly Item[]) => void>();
  let gate: Promise<void> | undefined;
  let open = () => undefined as void;
  const feed: ResumableFeed<Item> = {
    event: 'item',
    idOf: (item) => item.id,
    subscribe: (deliver) => {
      listeners.add(deliver);
      return () => listeners.delete(deliver);
    },
    replay: async (afterId, limit) => {
      await gate;
      return stored.filter((item) => item.id > afterId).sort((a, b) => a.id - b.id).slice(0, limit);
    },
    pageSize: 2,
  };
  return {
    feed,
    listeners,
    hold: () => {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release: () => open(),
    announce: (...ids: number[]) => {
      for (const id of ids) stored.push({ id });
      for (const deliver of listeners) deliver(ids.map((id) => ({ id })));
    },
  };
}

/** Reads the ids of `event: item` frames until `count` arrived or the stream ended. */
async function readIds(url: string, headers: Record<string, string>, count: number): Promise<{ ids: number[]; ended: boolean }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const ids: number[] = [];
  let text = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return { ids, ended: true };
    text += decoder.decode(chunk.value as Uint8Array, { stream: true });
    const frames = text.split('\n\n');
    text = frames.pop()!;
    for (const frame of frames) if (frame.includes('event: item')) ids.push((JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as Item).id);
    if (ids.length >= count) {
      abort.abort();
      return { ids, ended: false };
    }
  }
}

describe('a resumable SSE stream', () => {
  let app: FastifyInstance | undefined;

  afterEach(async () => {
    await app?.close();
  });

  async function serving(feed: ResumableFeed<Item>, limits: { maxHeldItems?: number } = {}): Promise<string> {
    app = Fastify();
    const streams = resumableSse(app, limits);
    app.get('/items', async (request, reply) => {
      const header = request.headers['last-event-id'];
      await streams.serve(request, reply, header === undefined ? undefined : Number(header), feed);
    });
    return `${await app.listen({ port: 0, host: '127.0.0.1' })}/items`;
  }

  it('sends the stored items after Last-Event-ID, then the live ones announced meanwhile, each once and in order', async () => {
    const items = memoryFeed([1, 2, 3, 4, 5].map((id) => ({ id })));
    items.hold();
    const url = await serving(items.feed);
    const reading = readIds(url, { 'last-event-id': '2' }, 6);
    while (items.listeners.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // Announced while the replay waits: 7 before 6, and 6 also lands in the store the replay reads.
    items.announce(7);
    items.announce(6);
    items.release();
    items.announce(8);
    expect((await reading).ids).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('sends only items announced from now on when the client gives no id', async () => {
    const items = memoryFeed([{ id: 1 }]);
    const url = await serving(items.feed);
    const reading = readIds(url, {}, 1);
    while (items.listeners.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    items.announce(2);
    expect((await reading).ids).toEqual([2]);
  });

  it('sends a live item that comes late, after more than 1,000 later ones (it committed late on another instance)', async () => {
    const items = memoryFeed([]);
    const url = await serving(items.feed);
    const later = Array.from({ length: 1_100 }, (_, i) => i + 2);
    const reading = readIds(url, {}, later.length + 1);
    while (items.listeners.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    items.announce(...later);
    items.announce(1);
    expect((await reading).ids).toEqual([...later, 1]);
  });

  it('drops a client whose catch-up holds more live items than allowed, so that it resumes from the store', async () => {
    const items = memoryFeed([{ id: 1 }]);
    items.hold();
    const url = await serving(items.feed, { maxHeldItems: 3 });
    const reading = readIds(url, { 'last-event-id': '0' }, 10);
    while (items.listeners.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    items.announce(2, 3);
    items.announce(4, 5);
    items.release();
    expect(await reading).toEqual({ ids: [], ended: true });
    expect(items.listeners.size).toBe(0);
  });
});
