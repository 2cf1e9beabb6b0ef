// Contract tests of UserStore: users, their hashed tokens (revocable) and their grants.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.ts';
import { useStore } from './fixtures.ts';

export function describeUserStoreContract(open: () => Promise<Store>): void {
  describe('users', () => {
    const store = useStore(open);
    const addAda = () => store().users.create({ name: 'ada', email: 'ada@example.com' }, { id: 't1', tokenHash: 'hash-1' }, 100);

    it('adds a user with a token and finds them by the token\'s hash, with their grants', async () => {
      const ada = await addAda();
      expect(ada).toEqual({ id: ada.id, name: 'ada', email: 'ada@example.com', createdAt: 100 });
      expect(await store().users.getByTokenHash('hash-1')).toEqual({ ...ada, grants: [] });
      expect(await store().users.getByTokenHash('other')).toBeUndefined();
      expect(await store().users.getByName('ada')).toEqual(ada);
      expect(await store().users.tokens(ada.id)).toEqual([{ id: 't1', userId: ada.id, createdAt: 100, revokedAt: null }]);
    });

    it('refuses a second user of the same name with SLIPWAY_USER_EXISTS, keeping the first one\'s token', async () => {
      await addAda();
      await expect(store().users.create({ name: 'ada', email: null }, { id: 't2', tokenHash: 'hash-2' }, 200))
        .rejects.toMatchObject({ code: 'SLIPWAY_USER_EXISTS' });
      expect(await store().users.getByTokenHash('hash-2')).toBeUndefined();
      expect((await store().users.list()).map((u) => u.name)).toEqual(['ada']);
    });

    it('refuses a revoked token at once, and keeps the user\'s other tokens working', async () => {
      const ada = await addAda();
      await store().users.addToken(ada.id, { id: 't2', tokenHash: 'hash-2' }, 200);
      expect(await store().users.revokeToken('t1', 300)).toBe(true);
      expect(await store().users.revokeToken('t1', 400)).toBe(false);
      expect(await store().users.revokeToken('nope', 400)).toBe(false);
      expect(await store().users.getByTokenHash('hash-1')).toBeUndefined();
      expect((await store().users.getByTokenHash('hash-2'))?.name).toBe('ada');
      expect(await store().users.getToken('t1')).toEqual({ id: 't1', userId: ada.id, createdAt: 100, revokedAt: 300 });
    });

    it('grants a role once per project and environment, and takes back only the grant named', async () => {
      const ada = await addAda();
      expect(await store().users.grant(ada.id, { role: 'deployer', project: 'hello', env: 'testing' }, 1)).toBe(true);
      expect(await store().users.grant(ada.id, { role: 'deployer', project: 'hello', env: 'testing' }, 2)).toBe(false);
      expect(await store().users.grant(ada.id, { role: 'viewer', project: null, env: null }, 3)).toBe(true);
      expect(await store().users.grants(ada.id)).toEqual([
        { role: 'deployer', project: 'hello', env: 'testing' },
        { role: 'viewer', project: null, env: null },
      ]);
      expect(await store().users.revoke(ada.id, { role: 'deployer', project: 'hello', env: null })).toBe(false);
      expect(await store().users.revoke(ada.id, { role: 'deployer', project: 'hello', env: 'testing' })).toBe(true);
      expect((await store().users.getByTokenHash('hash-1'))?.grants).toEqual([{ role: 'viewer', project: null, env: null }]);
    });

    it('removes a user with their tokens and grants', async () => {
      const ada = await addAda();
      await store().users.grant(ada.id, { role: 'admin', project: null, env: null }, 1);
      expect(await store().users.remove(ada.id)).toBe(true);
      expect(await store().users.remove(ada.id)).toBe(false);
      expect(await store().users.getByTokenHash('hash-1')).toBeUndefined();
      expect(await store().users.list()).toEqual([]);
      const again = await store().users.create({ name: 'ada', email: null }, { id: 't9', tokenHash: 'hash-9' }, 500);
      expect(await store().users.grants(again.id)).toEqual([]);
    });
  });
}
