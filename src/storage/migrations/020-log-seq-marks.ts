// The highest seq of a log source that was ever stored, kept apart from the lines: retention may
// remove every line of a source, and the server must still know which of its own events already
// had their line (ServerEventLines.catchUp), or it would write them all again at its next start.
import type { Kysely, Migration } from 'kysely';

export function logSeqMarksMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('log_seq_marks')
        .addColumn('source', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
