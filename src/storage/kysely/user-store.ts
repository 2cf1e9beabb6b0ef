// Users over Kysely: people, their API tokens (stored as hashes) and the roles granted to them.
import type { Selectable } from 'kysely';
import { ConflictError } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import type { Grant, Role } from '../../core/access/roles.ts';
import type { User, UserToken } from '../../core/model.ts';
import type { UserStore } from '../store.ts';
import { inTransaction } from './in-transaction.ts';
import type { StoreContext } from './store-context.ts';
import type { GrantsTable, UsersTable, UserTokensTable } from './tables.ts';

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
          .values({ id: newId(), name: user.name, email: user.email, created_at: at })
          .onConflict((oc) => oc.column('name').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new ConflictError('SLIPWAY_USER_EXISTS', `a user named "${user.name}" exists already`);
        await trx.insertInto('user_tokens').values({ id: token.id, user_id: row.id, token_hash: token.tokenHash, created_at: at, revoked_at: null }).execute();
        return toUser(row);
      });
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
        await trx.deleteFrom('user_tokens').where('user_id', '=', id).execute();
        const outcome = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
        return outcome.numDeletedRows > 0n;
      });
    },

    async getByTokenHash(tokenHash) {
      const row = await db.selectFrom('user_tokens')
        .innerJoin('users', 'users.id', 'user_tokens.user_id')
        .selectAll('users')
        .where('user_tokens.token_hash', '=', tokenHash)
        .where('user_tokens.revoked_at', 'is', null)
        .executeTakeFirst();
      return row && { ...toUser(row), grants: await grantsOf(row.id) };
    },

    async addToken(userId, token, at) {
      await db.insertInto('user_tokens').values({ id: token.id, user_id: userId, token_hash: token.tokenHash, created_at: at, revoked_at: null }).execute();
      return { id: token.id, userId, createdAt: at, revokedAt: null };
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

function toUser(row: Selectable<UsersTable>): User {
  return { id: row.id, name: row.name, email: row.email, createdAt: row.created_at };
}

function toToken(row: Selectable<UserTokensTable>): UserToken {
  return { id: row.id, userId: row.user_id, createdAt: row.created_at, revokedAt: row.revoked_at };
}

function toGrant(row: Selectable<GrantsTable>): Grant {
  return { role: row.role as Role, project: row.project === '' ? null : row.project, env: row.env === '' ? null : row.env };
}
