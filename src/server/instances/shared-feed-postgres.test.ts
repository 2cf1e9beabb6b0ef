// The shared feed over two real connections to one PostgreSQL database (SLIPWAY_TEST_POSTGRES_URL):
// ids are taken in one order and committed in another, and the poll must not step over the late one.
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, skipWithoutPostgres, type PostgresDatabase } from '../../../test/support/postgres-database.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import { openPostgresStore } from '../../storage/postgres/postgres-store.ts';
import type { NewEvent, Store } from '../../storage/store.ts';
import { SharedFeed } from './shared-feed.ts';

const event = (message: string): NewEvent => ({ at: 1, kind: 'test.event', projectId: null, runId: null, deploymentId: null, message, data: {} });

describe.skipIf(skipWithoutPostgres)('SharedFeed on PostgreSQL', () => {
  let database: PostgresDatabase | undefined;
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
    await database?.drop();
  });

  it('hands out an event that committed after one with a later id, when its announcement was lost', async () => {
    database = await createPostgresDatabase('slipway_feed');
    const writer: Store = await openPostgresStore(database.url);
    cleanup.push(() => writer.close());
    const reader: Store = await openPostgresStore(database.url);
    cleanup.push(() => reader.close());
    // No notifier: every announcement is lost, only the poll finds what the others stored.
    let started = false;
    const feed = new SharedFeed<SlipwayEvent>({
      channel: 'events', instanceId: 'reader', log: { warn: () => undefined }, pollMs: 20,
      idOf: (item) => item.id,
      readAfter: (afterId, limit) => reader.events.list({ afterId, limit }),
      lastId: async () => {
        const last = await reader.events.lastId();
        started = true;
        return last;
      },
    });
    cleanup.push(() => feed.close());
    const seen: string[] = [];
    feed.subscribe((items) => seen.push(...items.map((item) => item.message)));
    await waitFor('the poll to start', () => started, { timeoutMs: 20_000, intervalMs: 10 });

    // One transaction takes an id and stays open; another takes the next id and commits first.
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    let tookId!: (id: number) => void;
    const took = new Promise<number>((resolve) => (tookId = resolve));
    const slow = writer.transaction(async (tx) => {
      tookId((await tx.events.append(event('took the first id, committed last'))).id);
      await held;
    });
    // A test that fails before the commit must not leave the writer's connection in its transaction.
    cleanup.push(() => {
      commit();
      return slow.catch(() => undefined);
    });
    const firstId = await took;
    const later = await reader.events.append(event('took a later id, committed first'));
    expect(later.id).toBeGreaterThan(firstId);
    await waitFor('the later event', () => seen.length === 1, { timeoutMs: 20_000, intervalMs: 10 });

    commit();
    await slow;
    await waitFor('the event that committed last', () => seen.length === 2, { timeoutMs: 5_000, intervalMs: 10 });
    expect(seen).toEqual(['took a later id, committed first', 'took the first id, committed last']);
  }, 60_000);
});
