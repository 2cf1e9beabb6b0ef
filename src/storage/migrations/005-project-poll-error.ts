// Why the last check of a project's repository failed, and since when: shown on the project so
// that a poll that keeps failing (a fetch refused, a broken round) is seen, not silent.
import type { Kysely, Migration } from 'kysely';

export function projectPollErrorMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // SQLite adds one column per statement.
      await db.schema.alterTable('projects').addColumn('poll_error', 'text').execute();
      await db.schema.alterTable('projects').addColumn('poll_error_at', 'bigint').execute();
    },
  };
}
