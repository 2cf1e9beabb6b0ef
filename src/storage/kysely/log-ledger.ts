// Writes to the size ledger (log_chunks) through Kysely, in the caller's transaction: adding newly
// stored lines, and recounting a chunk after lines of it were removed.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { CHUNK_IDS, LINE_OVERHEAD_BYTES, type ChunkDelta } from './log-chunks.ts';
import type { Database, SqlDialectName } from './tables.ts';

/** A line's counted bytes in SQL, as lineBytes() counts them. */
export function lineBytesSql(dialect: SqlDialectName): RawBuilder<number> {
  return dialect === 'sqlite'
    ? sql<number>`(length(cast(text as blob)) + ${sql.lit(LINE_OVERHEAD_BYTES)})`
    : sql<number>`(octet_length(text) + ${sql.lit(LINE_OVERHEAD_BYTES)})`;
}

/** Adds newly stored lines to their chunks. Deltas come sorted by chunk: concurrent writers lock rows in one order. */
export async function addToLedger(db: Kysely<Database>, dialect: SqlDialectName, deltas: ChunkDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const least = dialect === 'sqlite' ? sql.raw('min') : sql.raw('least');
  const greatest = dialect === 'sqlite' ? sql.raw('max') : sql.raw('greatest');
  await db.insertInto('log_chunks')
    .values(deltas.map((d) => ({ chunk: d.chunk, lines: d.lines, bytes: d.bytes, min_at: d.minAt, max_at: d.maxAt })))
    .onConflict((oc) => oc.column('chunk').doUpdateSet({
      lines: sql`log_chunks.lines + excluded.lines`,
      bytes: sql`log_chunks.bytes + excluded.bytes`,
      min_at: sql`${least}(log_chunks.min_at, excluded.min_at)`,
      max_at: sql`${greatest}(log_chunks.max_at, excluded.max_at)`,
    }))
    .execute();
}

/**
 * Counts a chunk's lines again (after some were removed) and writes the result, or removes the
 * chunk's entry when none is left. The caller holds the chunk's row (PostgreSQL: FOR UPDATE), so
 * a concurrent ingest adds its own lines only after this count, which did not see them.
 */
export async function recountChunk(db: Kysely<Database>, dialect: SqlDialectName, chunk: number): Promise<void> {
  const first = chunk * CHUNK_IDS;
  const { rows } = await sql<{ lines: number; bytes: number | null; min_at: number | null; max_at: number | null }>`
    select count(*) as lines, cast(sum(${lineBytesSql(dialect)}) as bigint) as bytes, min(at) as min_at, max(at) as max_at
    from log_lines where id >= ${first} and id < ${first + CHUNK_IDS}`.execute(db);
  const count = rows[0];
  if (count === undefined || Number(count.lines) === 0 || count.min_at === null || count.max_at === null) {
    await db.deleteFrom('log_chunks').where('chunk', '=', chunk).execute();
    return;
  }
  await db.updateTable('log_chunks')
    .set({ lines: Number(count.lines), bytes: Number(count.bytes ?? 0), min_at: count.min_at, max_at: count.max_at })
    .where('chunk', '=', chunk)
    .execute();
}
