// Who did it: the principal that started a run by hand (runs.requested_by) and the one whose
// request an event records (events.actor). Both null for what came from git or the server itself,
// and for every row written before this migration. Plain nullable columns: both dialects add
// them in place, without rebuilding the tables.
import type { Kysely, Migration } from 'kysely';

export function principalsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('runs').addColumn('requested_by', 'text').execute();
      await db.schema.alterTable('events').addColumn('actor', 'text').execute();
    },
  };
}
