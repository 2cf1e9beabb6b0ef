// Retention of the central log: by age and by estimated size, a chunk of ids per transaction so
// that ingest waits at most for one chunk's removal. The ledger (log_chunks) says which chunks
// to touch; the full-text index loses the same lines in the same transaction.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { LogSize, LogStore } from '../store.ts';
import { inTransaction } from './in-transaction.ts';
import { CHUNK_IDS } from './log-chunks.ts';
import { lineBytesSql, recountChunk } from './log-ledger.ts';
import { raiseSeqMarks } from './log-seq-marks.ts';
import type { StoreContext } from './store-context.ts';
import type { Database, SqlDialectName } from './tables.ts';

type Retention = Pick<LogStore, 'size' | 'deleteOlderThan' | 'deleteToFitSize'>;

export function createLogRetention({ db, dialect }: StoreContext): Retention {
  const size = async (): Promise<LogSize> => {
    const { rows } = await sql<{ lines: number; bytes: number }>`
      select cast(coalesce(sum(lines), 0) as bigint) as lines, cast(coalesce(sum(bytes), 0) as bigint) as bytes from log_chunks`.execute(db);
    return { lines: Number(rows[0]?.lines ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  };

  return {
    size,

    async deleteOlderThan(at) {
      const chunks = await db.selectFrom('log_chunks').select('chunk').where('min_at', '<', at).orderBy('chunk').execute();
      let removed = 0;
      // The time is checked line by line even in a chunk wholly older when the ledger was read:
      // another server instance may have added newer lines to it since.
      for (const { chunk } of chunks) removed += await removeFromChunk(db, dialect, chunk, sql`at < ${at}`);
      return removed;
    },

    async deleteToFitSize(maxBytes) {
      let removed = 0;
      for (;;) {
        const excess = (await size()).bytes - maxBytes;
        if (excess <= 0) return removed;
        const oldest = await db.selectFrom('log_chunks').select(['chunk', 'bytes']).orderBy('chunk').limit(1).executeTakeFirst();
        if (oldest === undefined) return removed;
        if (oldest.bytes <= excess) {
          removed += await removeFromChunk(db, dialect, oldest.chunk, sql`true`);
          continue;
        }
        const last = await lastIdToRemove(db, dialect, oldest.chunk, excess);
        removed += await removeFromChunk(db, dialect, oldest.chunk, sql`id <= ${last}`);
      }
    },
  };
}

/** The id up to which the chunk's oldest lines add up to at least `bytes`. */
async function lastIdToRemove(db: Kysely<Database>, dialect: SqlDialectName, chunk: number, bytes: number): Promise<number> {
  const first = chunk * CHUNK_IDS;
  const { rows } = await sql<{ id: number; bytes: number }>`
    select id, ${lineBytesSql(dialect)} as bytes from log_lines where id >= ${first} and id < ${first + CHUNK_IDS} order by id`.execute(db);
  let sum = 0;
  for (const row of rows) {
    sum += Number(row.bytes);
    if (sum >= bytes) return row.id;
  }
  return first + CHUNK_IDS - 1;
}

/** Removes the chunk's lines that meet `condition`, from the table and its index, raises the seq marks, and recounts the chunk. */
async function removeFromChunk(db: Kysely<Database>, dialect: SqlDialectName, chunk: number, condition: RawBuilder<unknown>): Promise<number> {
  const first = chunk * CHUNK_IDS;
  const where = sql`id >= ${first} and id < ${first + CHUNK_IDS} and ${condition}`;
  return inTransaction(db, async (trx) => {
    if (dialect === 'postgres') await sql`select chunk from log_chunks where chunk = ${chunk} for update`.execute(trx);
    // External content: FTS5 must be told each removed row's text to drop its words.
    if (dialect === 'sqlite') await sql`insert into log_lines_fts (log_lines_fts, rowid, text) select 'delete', id, text from log_lines where ${where}`.execute(trx);
    if (dialect === 'postgres') await sql`delete from log_search where id in (select id from log_lines where ${where})`.execute(trx);
    // In the same transaction: a line not stored and above its source's mark was never stored.
    await raiseSeqMarks(trx, dialect, sql`select source, seq from log_lines where ${where}`);
    const result = await sql`delete from log_lines where ${where}`.execute(trx);
    await recountChunk(trx, dialect, chunk);
    return Number(result.numAffectedRows ?? 0n);
  });
}
