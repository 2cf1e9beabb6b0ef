// The `lb` commands a deployment sends to its LB agents (drain, ready, reads, the pre-flight check):
// each row points at the agent command, so that a restarted server reads the answers of what it
// asked and carries on draining or readying where it was.
import type { Kysely, Migration } from 'kysely';

export function deploymentLbCommandsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('deployment_lb_commands')
        .addColumn('command_id', 'text', (c) => c.primaryKey())
        .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id'))
        .addColumn('lb_agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('host_agent_id', 'text')
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('intended', 'text')
        .addColumn('round', 'integer', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deployment_lb_commands_deployment').on('deployment_lb_commands').columns(['deployment_id', 'round']).execute();
    },
  };
}
