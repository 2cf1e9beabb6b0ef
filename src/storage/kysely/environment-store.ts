// Environments over Kysely: what each environment of a project last ran successfully.
import type { Selectable } from 'kysely';
import type { Environment } from '../../core/model.ts';
import type { EnvironmentStore } from '../store.ts';
import type { StoreContext } from './store-context.ts';
import type { EnvironmentsTable } from './tables.ts';

/** The EnvironmentStore of the port, over the `environments` table; a row appears on its first known-good version. */
export function createKyselyEnvironmentStore({ db }: StoreContext): EnvironmentStore {
  return {
    async get(projectId, name) {
      const row = await db.selectFrom('environments').selectAll()
        .where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
      return row && toEnvironment(row);
    },

    async list(projectId) {
      const rows = await db.selectFrom('environments').selectAll()
        .where('project_id', '=', projectId).orderBy('name').execute();
      return rows.map(toEnvironment);
    },

    async setKnownGood(projectId, name, version) {
      await db.insertInto('environments')
        .values({ project_id: projectId, name, known_good: version })
        .onConflict((oc) => oc.columns(['project_id', 'name']).doUpdateSet({ known_good: version }))
        .execute();
    },
  };
}

function toEnvironment(row: Selectable<EnvironmentsTable>): Environment {
  return { projectId: row.project_id, name: row.name, knownGood: row.known_good };
}
