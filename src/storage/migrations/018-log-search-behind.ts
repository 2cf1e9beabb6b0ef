// PostgreSQL: the full-text index of the central log is filled behind ingest instead of in its
// transaction. Computing each line's tsvector and adding it to the GIN index took most of
// PostgreSQL's time in an append (measured: 100,000 lines stored in 1.9-3.0 s without the search
// column, 20 s with it, on a loaded 2-core machine), and ingest acknowledges only after its commit.
// log_search holds each indexed line's words; log_search_queue the id ranges appended and not yet
// indexed, one row per append (written in the append's transaction, so no committed line is ever
// missed, whatever the order concurrent appends commit in). Search reads both: lines not indexed
// yet are matched by computing their words on the fly (log-search.ts). SQLite is unchanged: its
// FTS5 index is written in the append's transaction, which costs it little.
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { SqlDialectName } from '../kysely/tables.ts';

export function logSearchBehindMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') return;
      await db.schema.createTable('log_search')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('search', sql`tsvector`, (c) => c.notNull())
        .execute();
      await db.schema.createTable('log_search_queue')
        .addColumn('first_id', 'bigint', (c) => c.notNull())
        .addColumn('last_id', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('log_search_queue_first').on('log_search_queue').column('first_id').execute();
      // The lines stored so far keep their words (no reindexing at startup): copied as they are.
      await sql`insert into log_search (id, search) select id, search from log_lines`.execute(db);
      await sql`drop index log_lines_search`.execute(db);
      await sql`alter table log_lines drop column search`.execute(db);
      await sql`create index log_search_words on log_search using gin (search)`.execute(db);
    },
  };
}
