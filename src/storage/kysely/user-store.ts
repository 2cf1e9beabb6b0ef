// Users over Kysely: people, their API tokens (stored as hashes) and the roles granted to them.
import type { Selectable } from 'kysely';
import { ConflictError } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import type { Grant, Role } from '../../core/access/roles.ts';
import type { User, UserToken } from '../../core/model.ts';
import type { NewUserToken, UserStore } from '../store.ts';
import { inTransaction } from './in-transaction.ts';
import type { StoreContext } from './store-context.ts';
import type { Database, GrantsTable, UsersTable, UserTokensTable } from './tables.ts';
import type { Kysely } from 'kysely';

/** The UserStore of the port, over the `users`, `user_tokens` and `grants` tables. */
export function createKyselyUserStore({ db }: StoreContext): UserStore {
  const grantRow = (userId: string, grant: Grant) => ({ user_id: userId, role: grant.role, project: grant.project ?? '', env: grant.env ?? '' });
  const grantsOf = async (userId: string): Promise<Grant[]> => {
    const rows = await db.selectFrom('grants').selectAll().where('user_id', '=', userId).orderBy('role').orderBy('project').orderBy('env').execute();
    return rows.map(toGrant);
  };

  return {
    async create(user, token, at) {
      return inTransaction(db, async (trx) => {
        const row = await trx.insertInto('users')
          .values({ id: newId(), name: user.name, email: user.email, created_at: at, oidc_issuer: user.identity?.issuer ?? null, oidc_subject: user.identity?.subject ?? null })
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new ConflictError('SLIPWAY_USER_EXISTS', `a user named "${user.name}"${user.identity ? ' or with that identity' : ''} exists already`);
        await insertToken(trx, row.id, token, at);
        return toUser(row);
      });
    },

    async getByIdentity(identity) {
      const row = await db.selectFrom('users').selectAll().where('oidc_issuer', '=', identity.issuer).where('oidc_subject', '=', identity.subject).executeTakeFirst();
      return row && toUser(row);
    },

    async setEmail(id, email) {
      await db.updateTable('users').set({ email }).where('id', '=', id).execute();
    },

    async getByName(name) {
      const row = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toUser(row);
    },

    async list() {
      return (await db.selectFrom('users').selectAll().orderBy('name').execute()).map(toUser);
    },

    async remove(id) {
      return inTransaction(db, async (trx) => {
        await trx.deleteFrom('grants').where('user_id', '=', id).execute();
        await trx.deleteFrom('token_grants').where('token_id', 'in', trx.selectFrom('user_tokens').select('id').where('user_id', '=', id)).execute();
        await trx.deleteFrom('user_tokens').where('user_id', '=', id).execute();
        const outcome = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
        return outcome.numDeletedRows > 0n;
      });
    },

    async getByTokenHash(tokenHash, at) {
      const row = await db.selectFrom('user_tokens')
        .innerJoin('users', 'users.id', 'user_tokens.user_id')
        .selectAll('users')
        .select(['user_tokens.id as token_id', 'user_tokens.expires_at as token_expires_at'])
        .where('user_tokens.token_hash', '=', tokenHash)
        .where('user_tokens.revoked_at', 'is', null)
        .where((eb) => eb.or([eb('user_tokens.expires_at', 'is', null), eb('user_tokens.expires_at', '>', at)]))
        .executeTakeFirst();
      if (!row) return undefined;
      const carried = await db.selectFrom('token_grants').selectAll().where('token_id', '=', row.token_id).execute();
      const grants = [...await grantsOf(row.id), ...carried.map(toGrant)];
      const seen = new Set<string>();
      const unique = grants.filter((g) => {
        const key = `${g.role}\0${g.project ?? ''}\0${g.env ?? ''}`;
        return seen.has(key) ? false : (seen.add(key), true);
      });
      return { ...toUser(row), grants: unique, token: { id: row.token_id, expiresAt: row.token_expires_at } };
    },

    async addToken(userId, token, at) {
      return inTransaction(db, (trx) => insertToken(trx, userId, token, at));
    },

    async getToken(id) {
      const row = await db.selectFrom('user_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toToken(row);
    },

    async tokens(userId) {
      const rows = await db.selectFrom('user_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toToken);
    },

    async revokeToken(id, at) {
      const outcome = await db.updateTable('user_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return outcome.numUpdatedRows > 0n;
    },

    async grant(userId, grant, at) {
      const outcome = await db.insertInto('grants').values({ ...grantRow(userId, grant), created_at: at })
        .onConflict((oc) => oc.columns(['user_id', 'role', 'project', 'env']).doNothing())
        .executeTakeFirst();
      return (outcome.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    async revoke(userId, grant) {
      const row = grantRow(userId, grant);
      const outcome = await db.deleteFrom('grants')
        .where('user_id', '=', row.user_id).where('role', '=', row.role).where('project', '=', row.project).where('env', '=', row.env)
        .executeTakeFirst();
      return outcome.numDeletedRows > 0n;
    },

    grants: grantsOf,
  };
}

async function insertToken(db: Kysely<Database>, userId: string, token: NewUserToken, at: number): Promise<UserToken> {
  const expiresAt = token.expiresAt ?? null;
  await db.insertInto('user_tokens').values({ id: token.id, user_id: userId, token_hash: token.tokenHash, created_at: at, revoked_at: null, expires_at: expiresAt }).execute();
  const grants = token.grants ?? [];
  if (grants.length > 0) {
    await db.insertInto('token_grants')
      .values(grants.map((g) => ({ token_id: token.id, role: g.role, project: g.project ?? '', env: g.env ?? '' })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return { id: token.id, userId, createdAt: at, revokedAt: null, expiresAt };
}

function toUser(row: Selectable<UsersTable>): User {
  return { id: row.id, name: row.name, email: row.email, createdAt: row.created_at };
}

function toToken(row: Selectable<UserTokensTable>): UserToken {
  return { id: row.id, userId: row.user_id, createdAt: row.created_at, revokedAt: row.revoked_at, expiresAt: row.expires_at };
}

function toGrant(row: Pick<Selectable<GrantsTable>, 'role' | 'project' | 'env'>): Grant {
  return { role: row.role as Role, project: row.project === '' ? null : row.project, env: row.env === '' ? null : row.env };
}
