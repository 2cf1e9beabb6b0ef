// Secrets over Kysely: sealed values per project and environment, never their plaintext.
import type { Selectable } from 'kysely';
import type { SecretStore, StoredSecret } from '../store.ts';
import type { StoreContext } from './store-context.ts';
import type { SecretsTable } from './tables.ts';

/** The SecretStore of the port, over the `secrets` table ('' in `scope` is a project-wide secret). */
export function createKyselySecretStore({ db }: StoreContext): SecretStore {
  return {
    async put(secret, at) {
      const scope = secret.env ?? '';
      const build = secret.build ? 1 : 0;
      // The read says whether it is new; the upsert is one statement, so two writers at once
      // never make two rows (the later one wins).
      const existed = await db.selectFrom('secrets').select('name')
        .where('project_id', '=', secret.projectId).where('scope', '=', scope).where('name', '=', secret.name).executeTakeFirst();
      await db.insertInto('secrets')
        .values({ project_id: secret.projectId, scope, name: secret.name, build, ciphertext: secret.ciphertext, updated_at: at })
        .onConflict((oc) => oc.columns(['project_id', 'scope', 'name']).doUpdateSet({ build, ciphertext: secret.ciphertext, updated_at: at }))
        .execute();
      return { created: existed === undefined };
    },

    async list(projectId) {
      const rows = await db.selectFrom('secrets').selectAll().where('project_id', '=', projectId)
        .orderBy('name').orderBy('scope').execute();
      return rows.map(toSecret);
    },

    async listAll() {
      return (await db.selectFrom('secrets').selectAll().execute()).map(toSecret);
    },

    async remove(projectId, env, name) {
      const outcome = await db.deleteFrom('secrets')
        .where('project_id', '=', projectId).where('scope', '=', env ?? '').where('name', '=', name).executeTakeFirst();
      return outcome.numDeletedRows > 0n;
    },
  };
}

function toSecret(row: Selectable<SecretsTable>): StoredSecret {
  return {
    projectId: row.project_id,
    env: row.scope === '' ? null : row.scope,
    name: row.name,
    build: row.build === 1,
    ciphertext: row.ciphertext,
    updatedAt: Number(row.updated_at),
  };
}
