// Where a deployment's host failed, as a value of its own (stage, activate, health, timeout,
// agent_lost) next to its error text: the rollback's cause is read from it, never parsed back from
// the words. Hosts recorded before keep null; the planner then tells the step from the host's step.
import type { Kysely, Migration } from 'kysely';

export function hostFailedStepMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('deployment_hosts').addColumn('failed_step', 'text').execute();
    },
  };
}
