// PostgreSQL's full-text index of the central log, filled behind ingest: each chunk's words as one
// tsvector without positions (the index only says which chunks hold a word; search checks each
// line of those), in a GIN index. A chunk's words are null until indexPending fills them.
// The server reads each chunk's distinct words (chunkIndexWords) and PostgreSQL stores them as
// they are (array_to_tsvector): no parsing, no lowercasing by the database's locale. Measured
// before, by bench/log-index-cost.bench.ts (200,000 lines, A/B twice on a loaded machine): handing
// PostgreSQL a chunk's distinct words instead of its lines' whole text took its CPU per 100,000
// lines indexed from 1.50-1.53 s to 0.55-0.57 s, the server spending 0.22-0.27 s reading them.
import { sql, type Kysely } from 'kysely';
import { inTransaction } from '../kysely/in-transaction.ts';
import type { Database } from '../kysely/tables.ts';
import type { LogIndexProgress } from '../store.ts';
import { chunkIndexWords } from './postgres-log-index-words.ts';

/** Chunks looked at in one pass at most (a pass indexes whole chunks). */
const CHUNKS_PER_PASS = 100;

/**
 * A pass's chunks' bytes at most (their `bytes`: text plus 400 a line), beyond the first chunk:
 * the server parses their bodies in one go (chunkIndexWords), holding its event loop. 10,000
 * lines of 100 characters make 5 MB; 10,000 of 2,500 would make 29 MB, hundreds of ms of parsing.
 */
export const INDEX_BYTES_PER_PASS = 8_000_000;

/**
 * Indexes the oldest chunks not indexed yet, whole chunks of at most `maxIds` lines and
 * INDEX_BYTES_PER_PASS bytes together (at least one chunk), in one transaction. Chunks another
 * caller is indexing are skipped (FOR UPDATE SKIP LOCKED), so several server instances may run
 * this at once.
 */
export async function indexPendingChunks(db: Kysely<Database>, maxIds: number): Promise<LogIndexProgress> {
  return inTransaction(db, async (trx) => {
    const { rows } = await sql<{ id: number; lines: number; bytes: number }>`
      select id, lines, bytes from log_line_chunks where words is null order by id
      limit ${Math.max(1, Math.min(CHUNKS_PER_PASS, maxIds))} for update skip locked`.execute(trx);
    const ids: number[] = [];
    let indexed = 0;
    let bytes = 0;
    for (const row of rows) {
      if (ids.length > 0 && (indexed + Number(row.lines) > maxIds || bytes + Number(row.bytes) > INDEX_BYTES_PER_PASS)) break;
      ids.push(Number(row.id));
      indexed += Number(row.lines);
      bytes += Number(row.bytes);
    }
    if (ids.length === 0) return { indexed: 0, done: true };
    const { rows: bodies } = await sql<{ id: number; body: string }>`
      select id, body from log_line_chunks where id = any(${ids}::bigint[])`.execute(trx);
    // Each chunk's distinct words, joined by spaces (a word never holds one).
    const words = bodies.map((b) => chunkIndexWords(b.body).join(' '));
    await sql`update log_line_chunks c set words = array_to_tsvector(string_to_array(w.words, ' '))
      from unnest(${bodies.map((b) => Number(b.id))}::bigint[], ${words}::text[]) as w (id, words)
      where c.id = w.id`.execute(trx);
    const { rows: left } = await sql<{ more: boolean }>`select exists (select 1 from log_line_chunks where words is null) as more`.execute(trx);
    return { indexed, done: left[0]?.more !== true };
  });
}
