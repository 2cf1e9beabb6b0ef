// Retention of PostgreSQL's central log (log_line_chunks, migration 019): whole chunks go in one
// statement; a chunk only partly removed is rewritten with its removed lines as null (the others
// keep their index, so their ids), its counts, time span, seqs and scope recomputed. Each chunk's
// words stay as they were: a superset, and search checks every line exactly. Each removal raises
// the seq marks of the sources it removed lines of, in its transaction (LogStore.seqMark).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { inTransaction } from '../kysely/in-transaction.ts';
import { lineBytes } from '../kysely/log-chunks.ts';
import { raiseSeqMarks } from '../kysely/log-seq-marks.ts';
import type { Database } from '../kysely/tables.ts';
import type { LogSize, LogStore } from '../store.ts';
import { scopeOf, type ChunkLine } from './postgres-log-chunk-rows.ts';

/** Whole chunks removed in one statement: a short transaction that ingest never waits for anyway. */
const CHUNKS_PER_DELETE = 200;

type Retention = Pick<LogStore, 'size' | 'deleteOlderThan' | 'deleteToFitSize'>;

export function createPostgresLogRetention(db: Kysely<Database>): Retention {
  const size = async (): Promise<LogSize> => {
    const { rows } = await sql<{ lines: number; bytes: number }>`
      select coalesce(sum(lines), 0)::bigint as lines, coalesce(sum(bytes), 0)::bigint as bytes from log_line_chunks`.execute(db);
    return { lines: Number(rows[0]?.lines ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  };

  return {
    size,

    async deleteOlderThan(at) {
      let removed = 0;
      for (;;) {
        const rows = await deleteChunks(db, sql`id in (select id from log_line_chunks where max_at < ${at} order by id limit ${CHUNKS_PER_DELETE})`);
        removed += rows.reduce((sum, r) => sum + Number(r.lines), 0);
        if (rows.length < CHUNKS_PER_DELETE) break;
      }
      const { rows: straddling } = await sql<{ id: number }>`select id from log_line_chunks where min_at < ${at} order by id`.execute(db);
      for (const { id } of straddling) removed += await removeLines(db, Number(id), (line) => line[0] < at);
      return removed;
    },

    async deleteToFitSize(maxBytes) {
      let removed = 0;
      for (;;) {
        let excess = (await size()).bytes - maxBytes;
        if (excess <= 0) return removed;
        const { rows: oldest } = await sql<{ id: number; bytes: number }>`
          select id, bytes from log_line_chunks order by id limit ${CHUNKS_PER_DELETE}`.execute(db);
        if (oldest.length === 0) return removed;
        const whole: number[] = [];
        for (const chunk of oldest) {
          if (Number(chunk.bytes) > excess) break;
          whole.push(Number(chunk.id));
          excess -= Number(chunk.bytes);
        }
        if (whole.length > 0) {
          const rows = await deleteChunks(db, sql`id = any(${whole}::bigint[])`);
          removed += rows.reduce((sum, r) => sum + Number(r.lines), 0);
          continue;
        }
        // The oldest chunk holds more than the excess: its oldest lines up to the excess go.
        let bytes = 0;
        removed += await removeLines(db, Number(oldest[0]!.id), (line) => {
          if (bytes >= excess) return false;
          bytes += lineBytes(line[9]);
          return true;
        });
      }
    },
  };
}

/** Deletes the chunks meeting `condition` whole, raising the seq marks in the same statement; returns each one's line count. */
async function deleteChunks(db: Kysely<Database>, condition: RawBuilder<unknown>): Promise<{ lines: number }[]> {
  // A chunk's last_seq is the highest seq of the lines it still holds.
  const { rows } = await sql<{ lines: number }>`
    with removed as (delete from log_line_chunks where ${condition} returning source, last_seq, lines),
      marked as (insert into log_seq_marks (source, seq) select source, max(last_seq) from removed group by source
        on conflict (source) do update set seq = greatest(log_seq_marks.seq, excluded.seq))
    select lines from removed`.execute(db);
  return rows;
}

/**
 * Removes the chunk's lines that `remove` picks (called in index order), in one transaction with
 * the chunk's row locked; deletes the chunk when none is left. Returns how many it removed.
 */
async function removeLines(db: Kysely<Database>, id: number, remove: (line: ChunkLine) => boolean): Promise<number> {
  return inTransaction(db, async (trx) => {
    const { rows } = await sql<{ source: string; body: string }>`select source, body from log_line_chunks where id = ${id} for update`.execute(trx);
    if (rows[0] === undefined) return 0;
    const lines = JSON.parse(rows[0].body) as (ChunkLine | null)[];
    let removed = 0;
    let highestRemoved = -1;
    const left: ChunkLine[] = [];
    const body = lines.map((line) => {
      if (line === null) return null;
      if (remove(line)) {
        removed += 1;
        highestRemoved = Math.max(highestRemoved, line[1]);
        return null;
      }
      left.push(line);
      return line;
    });
    if (removed === 0) return 0;
    await raiseSeqMarks(trx, 'postgres', sql`select ${rows[0].source}::text as source, ${highestRemoved}::bigint as seq`);
    if (left.length === 0) {
      await sql`delete from log_line_chunks where id = ${id}`.execute(trx);
      return removed;
    }
    const scope = scopeOf(left.map((l) => ({ host: l[2], app: l[3], env: l[4], stream: l[5], level: l[6], runId: l[7], deploymentId: l[8] })));
    await sql`update log_line_chunks set lines = ${left.length}, bytes = ${left.reduce((sum, l) => sum + lineBytes(l[9]), 0)},
        first_seq = ${Math.min(...left.map((l) => l[1]))}, last_seq = ${Math.max(...left.map((l) => l[1]))},
        min_at = ${Math.min(...left.map((l) => l[0]))}, max_at = ${Math.max(...left.map((l) => l[0]))},
        scope = ${scope}::text[], body = ${JSON.stringify(body)}
      where id = ${id}`.execute(trx);
    return removed;
  });
}
