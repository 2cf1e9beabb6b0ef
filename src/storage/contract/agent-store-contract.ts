// Contract tests of AgentStore: enrolment, re-enrolment and what agents say about themselves.
import { describe, expect, it } from 'vitest';
import type { Agent } from '../../core/model.ts';
import type { Store } from '../store.ts';
import { enrollAgent } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeAgentStoreContract(open: () => Promise<Store>): void {
  describe('agents', () => {
    const store = useStore(open);

    it('enrolls an agent offline, with no apps, and finds it by id and by token hash', async () => {
      const agent = await enrollAgent(store(), 'web-1', { env: 'production', role: 'web' }, 400);
      expect(agent).toEqual({
        id: agent.id, name: 'web-1', labels: { env: 'production', role: 'web' }, address: 'web-1.internal', port: null,
        online: false, lastSeenAt: 400, apps: [], enrolledAt: 400, status: 'active', enrollAllowed: false,
      });
      expect(await store().agents.get(agent.id)).toEqual(agent);
      expect(await store().agents.getByTokenHash('hash-of-web-1')).toEqual(agent);
      expect(await store().agents.getByTokenHash('unknown')).toBeUndefined();
      expect(await store().agents.get('nope')).toBeUndefined();
    });

    it('refuses a second agent under a name that is taken', async () => {
      await enrollAgent(store(), 'web-1');
      await expect(store().agents.enroll({ name: 'web-1', labels: {}, tokenHash: 'other', address: 'x', port: null }, 2)).rejects.toThrow();
    });

    it('re-enrolls an agent under its id: a new token, its labels stay, the permission to enroll again is used up', async () => {
      const first = await enrollAgent(store(), 'web-1', { env: 'testing' }, 1);
      await store().agents.update(first.id, { enrollAllowed: true, status: 'pending' });
      expect(await store().agents.getByName('web-1')).toMatchObject({ id: first.id, enrollAllowed: true, status: 'pending' });
      const again = await store().agents.reenroll(first.id, { tokenHash: 'new-hash', address: '10.0.0.9', port: 9000, status: 'active' }, 2);
      expect(again).toMatchObject({ id: first.id, labels: { env: 'testing' }, address: '10.0.0.9', port: 9000, status: 'active', enrollAllowed: false, enrolledAt: 2 });
      expect(await store().agents.getByTokenHash('hash-of-web-1')).toBeUndefined();
      expect((await store().agents.getByTokenHash('new-hash'))?.id).toBe(first.id);
      expect(await store().agents.list()).toHaveLength(1);
      expect(await store().agents.reenroll('nope', { tokenHash: 'h', address: 'x', port: null, status: 'active' }, 3)).toBeUndefined();
    });

    it('enrolls a removed agent again with the labels it asks for', async () => {
      const first = await enrollAgent(store(), 'web-1', { env: 'testing' }, 1);
      await store().agents.retire(first.id, 'removed', 'nobody-holds-this');
      const again = await store().agents.reenroll(first.id, { tokenHash: 'new', address: 'x', port: null, status: 'pending', labels: { env: 'production' } }, 2);
      expect(again).toMatchObject({ id: first.id, labels: { env: 'production' }, status: 'pending' });
    });

    it('retires an agent: its status changes, its old token finds nobody, it is offline', async () => {
      const agent = await enrollAgent(store(), 'web-1');
      await store().agents.update(agent.id, { online: true, enrollAllowed: true });
      await store().agents.retire(agent.id, 'revoked', 'nobody-holds-this');
      expect(await store().agents.getByTokenHash('hash-of-web-1')).toBeUndefined();
      expect(await store().agents.get(agent.id)).toMatchObject({ status: 'revoked', online: false, enrollAllowed: false });
    });

    it('lists every agent by name', async () => {
      await enrollAgent(store(), 'web-2');
      await enrollAgent(store(), 'db-1');
      await enrollAgent(store(), 'web-1');
      expect((await store().agents.list()).map((a) => a.name)).toEqual(['db-1', 'web-1', 'web-2']);
    });

    it('lists what of every agent changes while it runs or by an admin\'s hand, as list has it', async () => {
      const agent = await enrollAgent(store(), 'web-1');
      await store().agents.update(agent.id, { online: true, lastSeenAt: 900, port: 8081, labels: { env: 'production' }, apps: [{ app: 'hello', current: '1-0123456', releases: ['1-0123456'] }] });
      await enrollAgent(store(), 'db-1');
      const live = (a: Agent) => ({ id: a.id, online: a.online, lastSeenAt: a.lastSeenAt, status: a.status, enrolledAt: a.enrolledAt, labels: a.labels, address: a.address, port: a.port });
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect((await store().agents.listLive()).sort(byId)).toEqual((await store().agents.list()).map(live).sort(byId));
    });

    it('records what an agent says about itself when it connects', async () => {
      const agent = await enrollAgent(store(), 'web-1');
      const apps = [{ app: 'hello', current: '2-abcdef0', releases: ['1-0123456', '2-abcdef0'] }];
      await store().agents.update(agent.id, { online: true, lastSeenAt: 900, apps, labels: { env: 'production' }, port: 8081 });
      await store().agents.update(agent.id, { address: '10.0.0.2' });
      expect(await store().agents.get(agent.id)).toEqual({
        ...agent, online: true, lastSeenAt: 900, apps, labels: { env: 'production' }, port: 8081, address: '10.0.0.2',
      });
      await store().agents.update(agent.id, { port: null, online: false });
      expect(await store().agents.get(agent.id)).toMatchObject({ port: null, online: false });
    });

    it('marks every agent offline and seen now when the server starts', async () => {
      const a = await enrollAgent(store(), 'web-1');
      const b = await enrollAgent(store(), 'web-2');
      await store().agents.update(a.id, { online: true, lastSeenAt: 10 });
      await store().agents.update(b.id, { online: true, lastSeenAt: 20 });
      await store().agents.markOffline('server-1', 5000);
      expect((await store().agents.list()).map((x) => [x.online, x.lastSeenAt])).toEqual([[false, 5000], [false, 5000]]);
    });

    it('marks offline at an instance\'s start only the agents that were connected to it, and a connection\'s end only where it still holds the agent', async () => {
      const a = await enrollAgent(store(), 'web-1');
      const b = await enrollAgent(store(), 'web-2');
      await store().agents.connected(a.id, 'server-1', { address: '10.0.0.1', port: 8080, apps: [] }, 100);
      await store().agents.connected(b.id, 'server-2', { address: '10.0.0.2', port: null, apps: [] }, 100);
      expect(await store().agents.get(a.id)).toMatchObject({ online: true, lastSeenAt: 100, address: '10.0.0.1', port: 8080 });
      await store().agents.markOffline('server-1', 200);
      expect((await store().agents.list()).map((x) => [x.name, x.online])).toEqual([['web-1', false], ['web-2', true]]);
      // web-2 moved to server-1 before server-2 noticed its old connection ended.
      await store().agents.connected(b.id, 'server-1', { address: '10.0.0.2', port: null, apps: [] }, 300);
      expect(await store().agents.disconnected(b.id, 'server-2', 310)).toBe(false);
      expect(await store().agents.get(b.id)).toMatchObject({ online: true, lastSeenAt: 300 });
      expect(await store().agents.disconnected(b.id, 'server-1', 320)).toBe(true);
      expect(await store().agents.get(b.id)).toMatchObject({ online: false, lastSeenAt: 320 });
    });

    it('records connections and their ends in the order given, in one call, each only where its instance holds the agent', async () => {
      const a = await enrollAgent(store(), 'web-1');
      const b = await enrollAgent(store(), 'web-2');
      const c = await enrollAgent(store(), 'web-3');
      await store().agents.connected(c.id, 'server-2', { address: '10.0.0.3', port: null, apps: [] }, 50);
      const apps = [{ app: 'hello', current: '1-0123456', releases: ['1-0123456'] }];
      expect(await store().agents.recordConnections('server-1', [
        { kind: 'connected', id: a.id, said: { address: '10.0.0.1', port: 8080, apps }, at: 100 },
        { kind: 'connected', id: b.id, said: { address: '10.0.0.2', port: null, apps: [] }, at: 100 },
        // b's connection ended after it began: it stays offline, not overtaken by its connection.
        { kind: 'disconnected', id: b.id, at: 110 },
        // c is held by server-2: its end on server-1 changes nothing.
        { kind: 'disconnected', id: c.id, at: 120 },
      ])).toEqual([true, true, true, false]);
      expect(await store().agents.get(a.id)).toMatchObject({ online: true, lastSeenAt: 100, address: '10.0.0.1', port: 8080, apps });
      expect(await store().agents.get(b.id)).toMatchObject({ online: false, lastSeenAt: 110 });
      expect(await store().agents.get(c.id)).toMatchObject({ online: true, lastSeenAt: 50 });
      // Connected again, then ended on the instance it left: it stays online where it is now.
      expect(await store().agents.recordConnections('server-2', [{ kind: 'connected', id: b.id, said: { address: '10.0.0.2', port: null, apps: [] }, at: 200 }])).toEqual([true]);
      expect(await store().agents.recordConnections('server-1', [{ kind: 'disconnected', id: b.id, at: 210 }])).toEqual([false]);
      expect(await store().agents.get(b.id)).toMatchObject({ online: true, lastSeenAt: 200 });
      expect(await store().agents.recordConnections('server-1', [])).toEqual([]);
    });

    it('reads many agents by id at once, leaving out the ids no agent has', async () => {
      const a = await enrollAgent(store(), 'web-1');
      const b = await enrollAgent(store(), 'web-2');
      await enrollAgent(store(), 'web-3');
      const found = await store().agents.getMany([a.id, b.id, 'nope']);
      expect([...found.keys()].sort()).toEqual([a.id, b.id].sort());
      expect(found.get(a.id)).toEqual(await store().agents.get(a.id));
      expect((await store().agents.getMany([])).size).toBe(0);
    });

    it('records the heartbeats of many agents at once, leaving their connection state and never going back in time', async () => {
      const a = await enrollAgent(store(), 'web-1');
      const b = await enrollAgent(store(), 'web-2');
      await store().agents.update(a.id, { online: false, lastSeenAt: 10 });
      await store().agents.update(b.id, { online: true, lastSeenAt: 900 });
      await store().agents.markSeen([a.id, b.id], 500);
      expect((await store().agents.list()).map((x) => [x.online, x.lastSeenAt])).toEqual([[false, 500], [true, 900]]);
      await store().agents.markSeen([], 1000);
    });
  });
}
