// Contract tests of UserStore: users, their hashed tokens (revocable) and their grants.
import { describe, expect, it } from 'vitest';
import type { Store } from '../store.ts';
import { useStore } from './use-store.ts';

export function describeUserStoreContract(open: () => Promise<Store>): void {
  describe('users', () => {
    const store = useStore(open);
    const addAda = () => store().users.create({ name: 'ada', email: 'ada@example.com' }, { id: 't1', tokenHash: 'hash-1' }, 100);

    it('adds a user with a token and finds them by the token\'s hash, with their grants', async () => {
      const ada = await addAda();
      expect(ada).toEqual({ id: ada.id, name: 'ada', email: 'ada@example.com', createdAt: 100 });
      expect(await store().users.getByTokenHash('hash-1', 1_000)).toEqual({ ...ada, grants: [], token: { id: 't1', expiresAt: null } });
      expect(await store().users.getByTokenHash('other', 1_000)).toBeUndefined();
      expect(await store().users.getByName('ada')).toEqual(ada);
      expect(await store().users.tokens(ada.id)).toEqual([{ id: 't1', userId: ada.id, createdAt: 100, revokedAt: null, expiresAt: null }]);
    });

    it('refuses a second user of the same name with SLIPWAY_USER_EXISTS, keeping the first one\'s token', async () => {
      await addAda();
      await expect(store().users.create({ name: 'ada', email: null }, { id: 't2', tokenHash: 'hash-2' }, 200))
        .rejects.toMatchObject({ code: 'SLIPWAY_USER_EXISTS' });
      expect(await store().users.getByTokenHash('hash-2', 1_000)).toBeUndefined();
      expect((await store().users.list()).map((u) => u.name)).toEqual(['ada']);
    });

    it('refuses a revoked token at once, and keeps the user\'s other tokens working', async () => {
      const ada = await addAda();
      await store().users.addToken(ada.id, { id: 't2', tokenHash: 'hash-2' }, 200);
      expect(await store().users.revokeToken('t1', 300)).toBe(true);
      expect(await store().users.revokeToken('t1', 400)).toBe(false);
      expect(await store().users.revokeToken('nope', 400)).toBe(false);
      expect(await store().users.getByTokenHash('hash-1', 1_000)).toBeUndefined();
      expect((await store().users.getByTokenHash('hash-2', 1_000))?.name).toBe('ada');
      expect(await store().users.getToken('t1')).toEqual({ id: 't1', userId: ada.id, createdAt: 100, revokedAt: 300, expiresAt: null });
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
      expect((await store().users.getByTokenHash('hash-1', 1_000))?.grants).toEqual([{ role: 'viewer', project: null, env: null }]);
    });

    it('removes a user with their tokens and grants', async () => {
      const ada = await addAda();
      await store().users.grant(ada.id, { role: 'admin', project: null, env: null }, 1);
      expect(await store().users.remove(ada.id)).toBe(true);
      expect(await store().users.remove(ada.id)).toBe(false);
      expect(await store().users.getByTokenHash('hash-1', 1_000)).toBeUndefined();
      expect(await store().users.list()).toEqual([]);
      const again = await store().users.create({ name: 'ada', email: null }, { id: 't9', tokenHash: 'hash-9' }, 500);
      expect(await store().users.grants(again.id)).toEqual([]);
    });

    it('ends a session token when it expires, and gives its grants to that token alone', async () => {
      const ada = await addAda();
      await store().users.grant(ada.id, { role: 'viewer', project: null, env: null }, 1);
      await store().users.addToken(ada.id, { id: 's1', tokenHash: 'session', expiresAt: 2_000, grants: [{ role: 'admin', project: null, env: null }, { role: 'viewer', project: null, env: null }] }, 200);
      expect(await store().users.getByTokenHash('session', 1_999)).toMatchObject({
        grants: [{ role: 'viewer', project: null, env: null }, { role: 'admin', project: null, env: null }],
        token: { id: 's1', expiresAt: 2_000 },
      });
      expect(await store().users.getByTokenHash('session', 2_000)).toBeUndefined();
      expect((await store().users.getByTokenHash('hash-1', 5_000))?.grants).toEqual([{ role: 'viewer', project: null, env: null }]);
      expect(await store().users.grants(ada.id)).toEqual([{ role: 'viewer', project: null, env: null }]);
      expect(await store().users.getToken('s1')).toEqual({ id: 's1', userId: ada.id, createdAt: 200, revokedAt: null, expiresAt: 2_000 });
      await store().users.revokeToken('s1', 300);
      expect(await store().users.getByTokenHash('session', 1_000)).toBeUndefined();
    });

    it('ties a user to one identity at a provider, refuses a second user for it, and removes their session grants with them', async () => {
      const identity = { issuer: 'https://id.example.com', subject: 'u-1' };
      const grace = await store().users.create({ name: 'grace', email: 'grace@example.com', identity }, { id: 's1', tokenHash: 'session', expiresAt: 9_000, grants: [{ role: 'deployer', project: 'hello', env: 'testing' }] }, 100);
      expect(await store().users.getByIdentity(identity)).toEqual(grace);
      expect(await store().users.getByIdentity({ issuer: 'https://other.example.com', subject: 'u-1' })).toBeUndefined();
      await expect(store().users.create({ name: 'grace2', email: null, identity }, { id: 's2', tokenHash: 'other' }, 200)).rejects.toMatchObject({ code: 'SLIPWAY_USER_EXISTS' });
      await addAda(); // users without an identity are many
      await store().users.setEmail(grace.id, 'g@example.com');
      expect((await store().users.getByName('grace'))?.email).toBe('g@example.com');
      expect(await store().users.remove(grace.id)).toBe(true);
      const again = await store().users.create({ name: 'grace', email: null, identity }, { id: 's1', tokenHash: 'session' }, 300);
      expect((await store().users.getByTokenHash('session', 400))?.grants).toEqual([]);
      expect((await store().users.getByIdentity(identity))?.id).toBe(again.id);
    });
  });
}
