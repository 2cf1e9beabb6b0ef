// Contract tests of SecretStore: sealed values per project and environment, replaced in place.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.ts';
import { addProject } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeSecretStoreContract(open: () => Promise<Store>): void {
  describe('secrets', () => {
    const store = useStore(open);

    it('keeps a project-wide secret apart from one of the same name for an environment', async () => {
      const project = await addProject(store());
      expect(await store().secrets.put({ projectId: project.id, env: null, name: 'API_KEY', build: true, ciphertext: 'c1' }, 10)).toEqual({ created: true });
      expect(await store().secrets.put({ projectId: project.id, env: 'production', name: 'API_KEY', build: false, ciphertext: 'c2' }, 11)).toEqual({ created: true });
      expect(await store().secrets.list(project.id)).toEqual([
        { projectId: project.id, env: null, name: 'API_KEY', build: true, ciphertext: 'c1', updatedAt: 10 },
        { projectId: project.id, env: 'production', name: 'API_KEY', build: false, ciphertext: 'c2', updatedAt: 11 },
      ]);
    });

    it('replaces a secret set again, with its new build flag and time', async () => {
      const project = await addProject(store());
      await store().secrets.put({ projectId: project.id, env: 'testing', name: 'DB_URL', build: true, ciphertext: 'old' }, 10);
      expect(await store().secrets.put({ projectId: project.id, env: 'testing', name: 'DB_URL', build: false, ciphertext: 'new' }, 20)).toEqual({ created: false });
      expect(await store().secrets.list(project.id)).toEqual([
        { projectId: project.id, env: 'testing', name: 'DB_URL', build: false, ciphertext: 'new', updatedAt: 20 },
      ]);
    });

    it('lists every project\'s secrets for masking, and a project\'s own by name', async () => {
      const one = await addProject(store(), 'one');
      const two = await addProject(store(), 'two');
      await store().secrets.put({ projectId: one.id, env: null, name: 'B', build: false, ciphertext: 'b' }, 1);
      await store().secrets.put({ projectId: one.id, env: null, name: 'A', build: false, ciphertext: 'a' }, 1);
      await store().secrets.put({ projectId: two.id, env: null, name: 'C', build: false, ciphertext: 'c' }, 1);
      expect((await store().secrets.list(one.id)).map((s) => s.name)).toEqual(['A', 'B']);
      expect((await store().secrets.listAll()).map((s) => s.ciphertext).sort()).toEqual(['a', 'b', 'c']);
    });

    it('removes only the secret of the environment named', async () => {
      const project = await addProject(store());
      await store().secrets.put({ projectId: project.id, env: null, name: 'K', build: false, ciphertext: 'wide' }, 1);
      await store().secrets.put({ projectId: project.id, env: 'testing', name: 'K', build: false, ciphertext: 'env' }, 1);
      expect(await store().secrets.remove(project.id, 'testing', 'K')).toBe(true);
      expect(await store().secrets.remove(project.id, 'testing', 'K')).toBe(false);
      expect((await store().secrets.list(project.id)).map((s) => s.ciphertext)).toEqual(['wide']);
      expect(await store().secrets.remove(project.id, null, 'K')).toBe(true);
      expect(await store().secrets.list(project.id)).toEqual([]);
    });

    it('refuses a secret of a project that is not stored', async () => {
      await expect(store().secrets.put({ projectId: 'no-such-project', env: null, name: 'K', build: false, ciphertext: 'c' }, 1)).rejects.toThrow();
    });
  });
}
