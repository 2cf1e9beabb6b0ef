import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enrollAgent } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { AgentDirectory } from './agent-directory.ts';

describe('AgentDirectory', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A real store whose whole-table reads (list) are counted. */
  async function countedStore(): Promise<{ store: Store; fullReads: () => number }> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-directory-'));
    const store = await openSqliteStore(join(dir, 'slipway.db'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }), () => store.close());
    let fullReads = 0;
    const list = store.agents.list.bind(store.agents);
    store.agents.list = () => {
      fullReads += 1;
      return list();
    };
    return { store, fullReads: () => fullReads };
  }

  it('picks up what another writer changed of an agent (labels, liveness, a new agent) within reloadMs, without reading every row whole again', async () => {
    const { store, fullReads } = await countedStore();
    let now = 1000;
    const directory = new AgentDirectory({ store, clock: { now: () => now }, reloadMs: 1000, fullReloadMs: 30_000 });
    const web = await enrollAgent(store, 'web-1');
    const apps = [{ app: 'hello', current: '1-0123456', releases: ['1-0123456'] }];
    await store.agents.update(web.id, { apps });
    const first = await directory.current();
    expect(first.get(web.id)).toMatchObject({ labels: { env: 'testing' }, apps });
    const untouched = await enrollAgent(store, 'db-1');

    // Another instance, or the admin API: nothing told this copy.
    await store.agents.update(web.id, { labels: { env: 'production' }, online: true, lastSeenAt: 1500 });
    const newcomer = await enrollAgent(store, 'web-2');
    now += 1000;
    const agents = await directory.current();

    expect(agents.get(web.id)).toMatchObject({ labels: { env: 'production' }, online: true, lastSeenAt: 1500, apps });
    expect(agents.get(newcomer.id)?.name).toBe('web-2');
    expect(agents.get(untouched.id)?.name).toBe('db-1');
    expect(fullReads()).toBe(1);
  });

  it('reads a fleet that enrolled since the last read in one whole read, not one read per agent', async () => {
    const { store, fullReads } = await countedStore();
    let now = 1000;
    const directory = new AgentDirectory({ store, clock: { now: () => now }, reloadMs: 1000, fullReloadMs: 30_000 });
    await directory.current();
    for (let i = 0; i < 60; i++) await enrollAgent(store, `web-${i}`);
    let singleReads = 0;
    const get = store.agents.get.bind(store.agents);
    store.agents.get = (id) => {
      singleReads += 1;
      return get(id);
    };
    now += 1000;
    expect((await directory.current()).size).toBe(60);
    expect([fullReads(), singleReads]).toEqual([2, 0]);
  });

  it('keeps the object of an agent that did not change, and reads every row whole again after fullReloadMs (apps)', async () => {
    const { store, fullReads } = await countedStore();
    let now = 1000;
    const directory = new AgentDirectory({ store, clock: { now: () => now }, reloadMs: 1000, fullReloadMs: 30_000 });
    const web = await enrollAgent(store, 'web-1');
    const before = (await directory.current()).get(web.id);
    now += 1000;
    expect((await directory.current()).get(web.id)).toBe(before);

    const apps = [{ app: 'hello', current: '2-abcdef0', releases: ['2-abcdef0'] }];
    await store.agents.update(web.id, { apps });
    now += 30_000;
    expect((await directory.current()).get(web.id)?.apps).toEqual(apps);
    expect(fullReads()).toBe(2);
  });

  it('keeps what the gateway patched while a read was under way on top of what it read', async () => {
    const { store } = await countedStore();
    let now = 1000;
    const directory = new AgentDirectory({ store, clock: { now: () => now }, reloadMs: 1000, fullReloadMs: 30_000 });
    const web = await enrollAgent(store, 'web-1');
    await directory.current();
    now += 1000;
    const reading = directory.current();
    directory.patch(web.id, { online: true, lastSeenAt: 1900 });
    expect((await reading).get(web.id)).toMatchObject({ online: true, lastSeenAt: 1900 });
  });
});
