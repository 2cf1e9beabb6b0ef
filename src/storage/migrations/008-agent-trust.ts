// Agents the server can trust: an agent has a status (active, pending until an admin accepts it,
// revoked, removed) and a one-time permission an admin gives to enroll its name again.
import type { Kysely, Migration } from 'kysely';

export function agentTrustMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('agents').addColumn('status', 'text', (c) => c.notNull().defaultTo('active')).execute();
      await db.schema.alterTable('agents').addColumn('enroll_allowed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
