// PostgreSQL's full-text index of the central log, filled behind ingest (migration 018): an append
// queues the range of ids it stored in its own transaction, and indexPending turns queued ranges
// into log_search rows later. SQLite's FTS5 index is written by the append itself: nothing waits.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { POSTGRES_INDEXED_CHARS } from '../migrations/002-log-search.ts';
import type { LogIndexProgress } from '../store.ts';
import { logLineColumnsOfL, type LogLineRow } from './log-rows.ts';
import { inTransaction } from './in-transaction.ts';
import type { Database, SqlDialectName } from './tables.ts';

/**
 * A line's words as PostgreSQL indexes them: everything but letters and digits becomes a space
 * first, so that the parser sees plain words (not URLs, paths or hyphenated compounds), as FTS5 does.
 */
export function postgresLogWords(text: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`to_tsvector('pg_catalog.simple'::regconfig, regexp_replace(left(${text}, ${sql.lit(POSTGRES_INDEXED_CHARS)}), '[^[:alnum:]]+', ' ', 'g'))`;
}

/** Queues the ids an append stored (in the append's transaction), for indexPending. */
export async function queueForIndex(trx: Kysely<Database>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  let first = ids[0]!;
  let last = first;
  for (const id of ids) {
    if (id < first) first = id;
    if (id > last) last = id;
  }
  await trx.insertInto('log_search_queue').values({ first_id: first, last_id: last }).execute();
}

/**
 * Indexes the oldest queued range, at most `maxIds` ids of it (the rest stays queued), in one
 * transaction. Ranges another caller is indexing are skipped (FOR UPDATE SKIP LOCKED), so several
 * server instances may run this at once. A range may hold ids of other appends (concurrent ones
 * interleave): a line already indexed is left as it is.
 */
export async function indexPending(db: Kysely<Database>, dialect: SqlDialectName, maxIds: number): Promise<LogIndexProgress> {
  if (dialect === 'sqlite') return { indexed: 0, done: true };
  return inTransaction(db, async (trx) => {
    const { rows } = await sql<{ first_id: number; last_id: number; row: string }>`
      select first_id, last_id, ctid::text as row from log_search_queue order by first_id limit 1 for update skip locked`.execute(trx);
    const range = rows[0];
    if (range === undefined) return { indexed: 0, done: true };
    const first = Number(range.first_id);
    const last = Math.min(Number(range.last_id), first + maxIds - 1);
    const inserted = await sql`
      insert into log_search (id, search)
      select id, ${postgresLogWords(sql.ref('text'))} from log_lines where id >= ${first} and id <= ${last}
      on conflict (id) do nothing`.execute(trx);
    if (last >= Number(range.last_id)) {
      await sql`delete from log_search_queue where ctid = ${range.row}::tid`.execute(trx);
    } else {
      await sql`update log_search_queue set first_id = ${last + 1} where ctid = ${range.row}::tid`.execute(trx);
    }
    const { rows: left } = await sql<{ more: boolean }>`select exists (select 1 from log_search_queue) as more`.execute(trx);
    return { indexed: Number(inserted.numAffectedRows ?? 0n), done: left[0]?.more !== true };
  });
}

/**
 * A page of the lines holding the words of `tsQuery` and meeting `conditions` (over `l`, the
 * log_lines row), on PostgreSQL: the indexed lines through log_search, and the queued ones (not
 * indexed yet) word by word, each part ordered and limited on its own, so that PostgreSQL plans
 * each as it would one table (a common word: walk ids in order and stop after `limit`; a rare one:
 * the GIN index), then merged. A line can be in both (indexed while a range holding it is still
 * queued): UNION keeps it once.
 */
export function postgresWordsSearch(tsQuery: string, conditions: RawBuilder<unknown>[], order: RawBuilder<unknown>, limit: number): RawBuilder<LogLineRow> {
  const query = sql`to_tsquery('pg_catalog.simple', ${tsQuery})`;
  const and = conditions.length > 0 ? sql` and ${sql.join(conditions, sql` and `)}` : sql``;
  return sql<LogLineRow>`select * from (
    (select ${logLineColumnsOfL} from log_search s join log_lines l on l.id = s.id
      where s.search @@ ${query}${and} order by s.id ${order} limit ${limit})
    union
    (select ${logLineColumnsOfL} from log_search_queue r join log_lines l on l.id >= r.first_id and l.id <= r.last_id
      where ${postgresLogWords(sql.ref('l.text'))} @@ ${query}${and} order by l.id ${order} limit ${limit})
  ) as page order by id ${order} limit ${limit}`;
}
