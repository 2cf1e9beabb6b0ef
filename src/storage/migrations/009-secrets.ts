// Secrets per project and environment (issue 7): only their ciphertext is stored, sealed by the
// server (src/server/secrets). `scope` is the environment, or '' for a project-wide secret, so
// that the primary key also holds for those (two NULLs are never equal in a unique key).
import type { Kysely, Migration } from 'kysely';

export function secretsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('secrets')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('build', 'integer', (c) => c.notNull())
        .addColumn('ciphertext', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('secrets_pk', ['project_id', 'scope', 'name'])
        .execute();
    },
  };
}
