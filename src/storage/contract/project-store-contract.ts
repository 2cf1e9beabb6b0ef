// Contract tests of ProjectStore: every adapter must pass them.
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../base/errors.ts';
import type { Store } from '../store.ts';
import { addProject } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeProjectStoreContract(open: () => Promise<Store>): void {
  describe('projects', () => {
    const store = useStore(open);

    it('reads a new project back by id and by name, with no commit seen yet', async () => {
      const created = await addProject(store(), 'hello', 1234);
      expect(created).toMatchObject({
        name: 'hello', repoUrl: 'https://git.example.com/hello.git', branch: 'main',
        pollIntervalMs: 60_000, webhookSecret: 's3cret', lastSeenSha: null, pollError: null, createdAt: 1234,
      });
      expect(await store().projects.get(created.id)).toEqual(created);
      expect(await store().projects.getByName('hello')).toEqual(created);
    });

    it('refuses a second project with a name already taken', async () => {
      await addProject(store(), 'hello');
      const second = addProject(store(), 'hello');
      await expect(second).rejects.toBeInstanceOf(ConflictError);
      await expect(second).rejects.toMatchObject({ code: 'SLIPWAY_PROJECT_EXISTS' });
      expect(await store().projects.list()).toHaveLength(1);
    });

    it('answers undefined for a project that does not exist', async () => {
      expect(await store().projects.get('nope')).toBeUndefined();
      expect(await store().projects.getByName('nope')).toBeUndefined();
    });

    it('lists every project by name', async () => {
      await addProject(store(), 'zebra');
      await addProject(store(), 'alpha');
      await addProject(store(), 'mango');
      expect((await store().projects.list()).map((p) => p.name)).toEqual(['alpha', 'mango', 'zebra']);
    });

    it('remembers the newest commit that already has a run', async () => {
      const project = await addProject(store());
      await store().projects.setLastSeenSha(project.id, 'abc123');
      expect((await store().projects.get(project.id))?.lastSeenSha).toBe('abc123');
    });

    it('shows why the last check of the repository failed until one works again', async () => {
      const project = await addProject(store());
      await store().projects.setPollError(project.id, { message: 'hello: could not fetch: repository not found', at: 1_700_000_000_123 });
      expect((await store().projects.get(project.id))?.pollError).toEqual({ message: 'hello: could not fetch: repository not found', at: 1_700_000_000_123 });
      expect((await store().projects.list())[0]?.pollError?.at).toBe(1_700_000_000_123);
      await store().projects.setPollError(project.id, null);
      expect((await store().projects.getByName(project.name))?.pollError).toBeNull();
    });
  });
}
