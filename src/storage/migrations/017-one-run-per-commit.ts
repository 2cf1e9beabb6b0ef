// One run per pushed commit across server instances: a webhook on one instance and the repo poller
// on another may both find a new commit at the same moment. The run a trigger (poll or webhook)
// creates names its commit in `triggered_sha`, unique per project, so the second is refused in the
// database. Null for runs by hand (a commit may be run again on purpose) and for runs created
// before this migration (the check before creating covers those).
import type { Kysely, Migration } from 'kysely';

export function oneRunPerCommitMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('runs').addColumn('triggered_sha', 'text').execute();
      await db.schema.createIndex('runs_one_per_commit').unique().on('runs').columns(['project_id', 'triggered_sha']).execute();
    },
  };
}
