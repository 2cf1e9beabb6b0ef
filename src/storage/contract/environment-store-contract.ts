// Contract tests of EnvironmentStore: the known-good version rollback restores.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.ts';
import { addProject } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeEnvironmentStoreContract(open: () => Promise<Store>): void {
  describe('environments', () => {
    const store = useStore(open);

    it('knows no environment before its first known-good version', async () => {
      const project = await addProject(store());
      expect(await store().environments.get(project.id, 'testing')).toBeUndefined();
      expect(await store().environments.list(project.id)).toEqual([]);
    });

    it('records the known-good version, then replaces it', async () => {
      const project = await addProject(store());
      await store().environments.setKnownGood(project.id, 'testing', '1-aaaaaaa');
      expect(await store().environments.get(project.id, 'testing')).toEqual({ projectId: project.id, name: 'testing', knownGood: '1-aaaaaaa' });
      await store().environments.setKnownGood(project.id, 'testing', '2-bbbbbbb');
      expect((await store().environments.get(project.id, 'testing'))?.knownGood).toBe('2-bbbbbbb');
      expect(await store().environments.list(project.id)).toHaveLength(1);
    });

    it('lists a project\'s environments by name', async () => {
      const project = await addProject(store());
      const other = await addProject(store(), 'other');
      await store().environments.setKnownGood(project.id, 'testing', '1-aaaaaaa');
      await store().environments.setKnownGood(project.id, 'production', '1-aaaaaaa');
      await store().environments.setKnownGood(other.id, 'staging', '3-ccccccc');
      expect((await store().environments.list(project.id)).map((e) => e.name)).toEqual(['production', 'testing']);
    });
  });
}
