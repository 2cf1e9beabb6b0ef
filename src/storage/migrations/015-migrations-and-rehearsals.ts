// Database changes run by deployments, and rollback rehearsals: a deployment's migration (its
// state, host and command, as JSON), the rehearsal a stage ran after its deployment, what the
// rehearsal found about the version, and the one-deployment-per-environment index widened to the
// new statuses a deployment can be in before it ends (migrating, and a rehearsal's).
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/** Fixed here, not imported: a migration must mean what it meant when it first ran. */
const ACTIVE_STATUSES = `'staging', 'migrating', 'activating', 'rolling_back', 'rehearsing', 'verifying', 'returning'`;

export function migrationsAndRehearsalsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('deployments').addColumn('migration', 'text').execute();
      await db.schema.alterTable('stages').addColumn('rehearsal_id', 'text').execute();
      await db.schema.alterTable('artifacts').addColumn('rollback_safety', 'text').execute();
      await db.schema.dropIndex('deployments_one_active_per_env').execute();
      await db.schema.createIndex('deployments_one_active_per_env').on('deployments')
        .columns(['project_id', 'env']).unique()
        .where(sql.raw<boolean>(`status in (${ACTIVE_STATUSES})`))
        .execute();
    },
  };
}
