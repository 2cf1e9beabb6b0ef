// Agents the server can trust: an agent has a status (active, pending until an admin accepts it,
// revoked, removed) and a one-time permission an admin gives to enroll its name again; a build job
// has a one-time upload token, bound to the runner it was handed to, and the upload recorded for it.
import type { Kysely, Migration } from 'kysely';

export function agentTrustMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('agents').addColumn('status', 'text', (c) => c.notNull().defaultTo('active')).execute();
      await db.schema.alterTable('agents').addColumn('enroll_allowed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('jobs').addColumn('upload_token_hash', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('upload_sha256', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('upload_size', 'bigint').execute();
    },
  };
}
