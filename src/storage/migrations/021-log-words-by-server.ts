// PostgreSQL: every chunk's words are indexed again, as the server now reads them (logTokens, cut
// to MAX_LEXEME_CHARS, stored as they are). The words indexed before were PostgreSQL's own
// (to_tsvector over [[:alnum:]] runs, lowercased by the database's locale) and may differ: under
// the C locale "ÉCOLE" was indexed as "École", which no query word is. A chunk whose words are null
// is read as one that may hold any word, so searches stay right while the indexer catches up.
// SQLite is unchanged: its FTS5 index never depended on a locale.
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { SqlDialectName } from '../kysely/tables.ts';

export function logWordsByServerMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') return;
      await sql`update log_line_chunks set words = null where words is not null`.execute(db);
    },
  };
}
