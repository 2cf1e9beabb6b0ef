// Contract tests of EventStore: the append-only feed that readers resume by id.
import { describe, expect, it } from 'vitest';
import type { NewEvent, Store } from '../store.ts';
import { useStore } from './use-store.ts';

export function describeEventStoreContract(open: () => Promise<Store>): void {
  describe('events', () => {
    const store = useStore(open);

    const event = (kind: string, overrides: Partial<NewEvent> = {}): NewEvent => ({
      at: 100, kind, projectId: 'p1', runId: null, deploymentId: null, actor: null, message: `${kind} happened`, data: {}, ...overrides,
    });

    it('keeps who did it, and null when nobody said', async () => {
      const approved = await store().events.append(event('gate.approved', { actor: 'admin' }));
      const { actor: _, ...byServer } = event('run.started');
      expect(approved.actor).toBe('admin');
      expect((await store().events.append(byServer)).actor).toBeNull();
      expect((await store().events.list({ limit: 10 })).map((e) => e.actor)).toEqual(['admin', null]);
    });

    it('appends events with growing ids and keeps their data', async () => {
      const first = await store().events.append(event('run.created', { runId: 'r1', data: { number: 1, sha: 'abc', nested: { ok: true } } }));
      const second = await store().events.append(event('run.started', { runId: 'r1' }));
      expect(first).toEqual({ ...event('run.created', { runId: 'r1', data: { number: 1, sha: 'abc', nested: { ok: true } } }), id: first.id });
      expect(second.id).toBeGreaterThan(first.id);
      expect(await store().events.list({ limit: 10 })).toEqual([first, second]);
    });

    it('lists the events after the last one a reader saw, up to the limit', async () => {
      const appended = [];
      for (let i = 0; i < 5; i++) appended.push(await store().events.append(event(`e${i}`)));
      expect((await store().events.list({ afterId: appended[1]!.id, limit: 2 })).map((e) => e.kind)).toEqual(['e2', 'e3']);
      expect(await store().events.list({ afterId: appended[4]!.id, limit: 10 })).toEqual([]);
    });

    it('says the highest event id stored, 0 when there is none', async () => {
      expect(await store().events.lastId()).toBe(0);
      await store().events.append(event('a'));
      const second = await store().events.append(event('b'));
      expect(await store().events.lastId()).toBe(second.id);
    });

    it('lists the events of one run, deployment or project', async () => {
      await store().events.append(event('a', { runId: 'r1' }));
      await store().events.append(event('b', { deploymentId: 'd1', projectId: 'p2' }));
      await store().events.append(event('c', { runId: 'r1', deploymentId: 'd1' }));
      await store().events.append(event('d', { projectId: null }));
      const kinds = (filter: Parameters<Store['events']['list']>[0]) =>
        store().events.list(filter).then((list) => list.map((e) => e.kind));
      expect(await kinds({ runId: 'r1', limit: 10 })).toEqual(['a', 'c']);
      expect(await kinds({ deploymentId: 'd1', limit: 10 })).toEqual(['b', 'c']);
      expect(await kinds({ projectId: 'p1', limit: 10 })).toEqual(['a', 'c']);
      expect(await kinds({ projectId: 'p1', runId: 'r1', deploymentId: 'd1', limit: 10 })).toEqual(['c']);
      expect(await kinds({ projectIds: ['p2'], limit: 10 })).toEqual(['b']);
      expect(await kinds({ projectIds: ['p1', 'p2'], limit: 10 })).toEqual(['a', 'b', 'c']);
      expect(await kinds({ projectIds: [], limit: 10 })).toEqual([]);
      expect(await kinds({ projectIds: ['p1', 'p2'], afterId: 0, limit: 2 })).toEqual(['a', 'b']);
    });
  });
}
