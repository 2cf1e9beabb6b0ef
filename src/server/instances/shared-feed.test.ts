import { afterEach, describe, expect, it } from 'vitest';
import { InProcessNotifier } from '../../storage/in-process-notifier.ts';
import { SharedFeed } from './shared-feed.ts';

interface Item {
  id: number;
  text: string;
}

/** Two instances' feeds over one list of stored items and one notifier, as on one database. */
function twoInstances(options: { pollMs?: number; announce?: boolean; pageSize?: number } = {}) {
  const stored: Item[] = [];
  const asked = { lastId: 0 };
  const notifier = new InProcessNotifier();
  const log = { warn: () => undefined };
  const feed = (instanceId: string) => new SharedFeed<Item>({
    notifier: options.announce === false ? undefined : notifier, channel: 'items', instanceId, log, pollMs: options.pollMs ?? 60_000, pageSize: options.pageSize ?? 2,
    idOf: (item) => item.id,
    readAfter: (afterId, limit) => Promise.resolve(stored.filter((item) => item.id > afterId).slice(0, limit)),
    lastId: () => {
      asked.lastId += 1;
      return Promise.resolve(stored.at(-1)?.id ?? 0);
    },
  });
  const [a, b] = [feed('a'), feed('b')];
  const store = (...texts: string[]) => {
    const items = texts.map((text, i) => ({ id: stored.length + 1 + i, text }));
    for (const item of items) stored.push(item);
    return items;
  };
  return { a, b, store, stored, notifier, asked };
}

async function until(check: () => boolean, timeoutMs = 4_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SharedFeed', () => {
  const closing: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  it('hands a subscriber on one instance what another instance stored and announced, each item once', async () => {
    const { a, b, store, notifier } = twoInstances();
    closing.push(() => a.close(), () => b.close(), () => notifier.close());
    await Promise.all([a.listen(), b.listen()]);
    const onA: string[] = [];
    const onB: string[] = [];
    a.subscribe((items) => onA.push(...items.map((i) => i.text)));
    b.subscribe((items) => onB.push(...items.map((i) => i.text)));
    b.publish(store('one', 'two', 'three'));
    b.publish(store('four'));
    await until(() => onA.length === 4);
    expect(onA).toEqual(['one', 'two', 'three', 'four']);
    expect(onB).toEqual(['one', 'two', 'three', 'four']);
  });

  it('finds what was stored without an announcement by polling, and hands out nothing stored before it was subscribed', async () => {
    const { a, b, store, notifier, asked } = twoInstances({ pollMs: 50, announce: false });
    closing.push(() => a.close(), () => b.close(), () => notifier.close());
    store('old');
    const onA: string[] = [];
    a.subscribe((items) => onA.push(...items.map((i) => i.text)));
    // Subscribing, the feed takes the newest id stored as where its poll starts.
    await until(() => asked.lastId > 0);
    await new Promise((r) => setImmediate(r));
    b.publish(store('new 1', 'new 2', 'new 3'));
    await until(() => onA.length === 3);
    expect(onA).toEqual(['new 1', 'new 2', 'new 3']);
  });

  it('finds by polling an item that committed after one with a later id, its announcement lost', async () => {
    const { a, b, store, stored, notifier, asked } = twoInstances({ pollMs: 20, announce: false });
    closing.push(() => a.close(), () => b.close(), () => notifier.close());
    const onA: string[] = [];
    a.subscribe((items) => onA.push(...items.map((i) => i.text)));
    await until(() => asked.lastId > 0);
    await new Promise((r) => setImmediate(r));
    // Ids 1 and 2 are taken; 2 commits first and is seen, then 1 commits.
    const [early, late] = store('takes id 1', 'takes id 2');
    stored.splice(stored.indexOf(early!), 1);
    await until(() => onA.length === 1);
    stored.unshift(early!);
    await until(() => onA.length === 2);
    expect(onA).toEqual([late!.text, early!.text]);
  });

  it('hands out an item that commits late even after more than 20,000 later items went by', async () => {
    const { a, b, stored, notifier, asked } = twoInstances({ pollMs: 60_000, pageSize: 5_000 });
    closing.push(() => a.close(), () => b.close(), () => notifier.close());
    await Promise.all([a.listen(), b.listen()]);
    const onA: number[] = [];
    a.subscribe((items) => onA.push(...items.map((i) => i.id)));
    await until(() => asked.lastId > 0);
    await new Promise((r) => setImmediate(r));
    // Id 1 is taken by a slow writer; 2..20,002 commit first and are announced.
    const flood = Array.from({ length: 20_001 }, (_, i) => ({ id: i + 2, text: 'flood' }));
    stored.push(...flood);
    b.publish(flood);
    await until(() => onA.length === flood.length);
    const late = { id: 1, text: 'late' };
    stored.unshift(late);
    b.publish([late]);
    await until(() => onA.includes(1));
    expect(onA.length).toBe(flood.length + 1);
  });

  it('finds by polling an item that commits late in a gap that many items and an older gap lie before', async () => {
    const stored: Item[] = [];
    const feed = new SharedFeed<Item>({
      channel: 'items', instanceId: 'a', log: { warn: () => undefined }, pollMs: 20, pageSize: 2,
      idOf: (item) => item.id,
      readAfter: (afterId, limit) => Promise.resolve(stored.filter((item) => item.id > afterId).slice(0, limit)),
      lastId: () => Promise.resolve(0),
    });
    closing.push(() => feed.close());
    const seen: number[] = [];
    feed.subscribe((items) => seen.push(...items.map((i) => i.id)));
    // Id 1 never commits; 2-40 and 42 do; 41 commits once the cursor is past it. A poll reads 10 pages
    // of 2: more than that lie between the two gaps.
    const add = (...ids: number[]) => stored.push(...ids.map((id) => ({ id, text: String(id) })));
    add(...Array.from({ length: 39 }, (_, i) => i + 2), 42);
    await until(() => seen.includes(42));
    add(41);
    stored.sort((x, y) => x.id - y.id);
    await until(() => seen.includes(41), 2_000);
  });

  it('looks again only at skipped units of commit, not between ids of adjacent ones', async () => {
    // Units of 100 ids, as chunks of lines: ids 101-103 commit together, then 201-202; 301 commits late.
    const stored: Item[] = [];
    const lookedBehind: number[] = [];
    let cursor = 0;
    const feed = new SharedFeed<Item>({
      channel: 'items', instanceId: 'a', log: { warn: () => undefined }, pollMs: 20, pageSize: 10,
      idOf: (item) => item.id,
      unitOf: (id) => Math.floor(id / 100),
      readAfter: (afterId, limit) => {
        if (afterId < cursor) lookedBehind.push(afterId);
        return Promise.resolve(stored.filter((item) => item.id > afterId).slice(0, limit));
      },
      lastId: () => Promise.resolve(0),
    });
    closing.push(() => feed.close());
    const seen: number[] = [];
    feed.subscribe((items) => {
      seen.push(...items.map((i) => i.id));
      cursor = Math.max(cursor, ...seen);
    });
    const add = (...ids: number[]) => stored.push(...ids.map((id) => ({ id, text: String(id) })));
    add(101, 102, 103, 201, 202);
    await until(() => seen.length === 5);
    const pollsBefore = lookedBehind.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(lookedBehind.length).toBe(pollsBefore);
    // Unit 3 is skipped (401 seen first): the poll looks behind the cursor until 301 commits.
    add(401);
    await until(() => seen.includes(401));
    await until(() => lookedBehind.length > pollsBefore);
    add(301);
    stored.sort((x, y) => x.id - y.id);
    await until(() => seen.includes(301));
    expect(seen).toEqual([101, 102, 103, 201, 202, 401, 301]);
  });
});
