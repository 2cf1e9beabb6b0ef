// Full-text search and the size ledger for the central log. SQLite: an FTS5 table with external
// content over log_lines, kept in step by the SQLite log store in the transaction that changes
// log_lines (no triggers: measured, an insert trigger made ingest about 3 times slower, because
// FTS5 then flushes its pending terms on every row's statement). PostgreSQL: a stored tsvector
// column with a GIN index. Both index the same words: runs of letters and digits, lowercased.
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import { CHUNK_IDS, LINE_OVERHEAD_BYTES } from '../kysely/log-chunks.ts';
import type { SqlDialectName } from '../kysely/tables.ts';

/**
 * PostgreSQL indexes at most this many characters of a line: a tsvector holds at most 1 MB, and
 * one longer line must not make a whole batch fail.
 */
export const POSTGRES_INDEXED_CHARS = 32_768;

export function logSearchMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') {
        // unicode61 without diacritics removal: "café" and "cafe" stay different, as in PostgreSQL's
        // simple configuration. columnsize=0: no per-row length table (only ranking uses it).
        // detail=none: the index records which lines hold a word, not where; measured, ingest runs
        // about 1.6 times as fast as with positions. A phrase is then all its words through the
        // index, and the words in a row checked on those lines (see log-search.ts).
        // Marks (categories M*) belong to words, as in log-tokens.ts: unicode61 splits on many by
        // default (Devanagari vowel signs, Arabic harakat), which made one such word a phrase.
        await sql`create virtual table log_lines_fts using fts5(
          text, content='log_lines', content_rowid='id', tokenize='unicode61 remove_diacritics 0 categories ''L* N* Co M*''',
          columnsize=0, detail=none)`.execute(db);
        await sql`insert into log_lines_fts(log_lines_fts) values ('rebuild')`.execute(db);
      } else {
        // Everything but letters and digits becomes a space first, so that PostgreSQL's parser
        // sees plain words (not URLs, paths, e-mails or hyphenated compounds) and finds what FTS5 does.
        await sql`alter table log_lines add column search tsvector generated always as (
          to_tsvector('pg_catalog.simple'::regconfig, regexp_replace(left(text, ${sql.lit(POSTGRES_INDEXED_CHARS)}), '[^[:alnum:]]+', ' ', 'g'))
        ) stored`.execute(db);
        await sql`create index log_lines_search on log_lines using gin (search)`.execute(db);
      }

      await db.schema.createTable('log_chunks')
        .addColumn('chunk', 'bigint', (c) => c.primaryKey())
        .addColumn('lines', 'bigint', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('min_at', 'bigint', (c) => c.notNull())
        .addColumn('max_at', 'bigint', (c) => c.notNull())
        .execute();
      const textBytes = dialect === 'sqlite' ? sql`length(cast(text as blob))` : sql`octet_length(text)`;
      await sql`insert into log_chunks (chunk, lines, bytes, min_at, max_at)
        select id / ${sql.lit(CHUNK_IDS)}, count(*), sum(${textBytes} + ${sql.lit(LINE_OVERHEAD_BYTES)}), min(at), max(at)
        from log_lines group by id / ${sql.lit(CHUNK_IDS)}`.execute(db);
    },
  };
}
