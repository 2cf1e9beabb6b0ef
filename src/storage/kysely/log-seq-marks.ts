// Marks of the highest seq of each log source that retention removed (migration 020), one row per
// source, which only ever rise: what says, once lines are gone, which seqs were stored once.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { LogStore } from '../store.ts';
import type { Database, SqlDialectName } from './tables.ts';

export function createLogSeqMarks(db: Kysely<Database>): Pick<LogStore, 'seqMark'> {
  return {
    async seqMark(source) {
      const row = await db.selectFrom('log_seq_marks').select('seq').where('source', '=', source).executeTakeFirst();
      return row === undefined ? -1 : Number(row.seq);
    },
  };
}

/**
 * Raises the marks to the highest seq of each source among the rows of `removed` (a query giving
 * `source` and `seq`, run before those lines are removed in the same transaction); a lower seq
 * leaves a mark as it is.
 */
export async function raiseSeqMarks(trx: Kysely<Database>, dialect: SqlDialectName, removed: RawBuilder<unknown>): Promise<void> {
  const greatest = dialect === 'sqlite' ? sql.raw('max') : sql.raw('greatest');
  // "where true": SQLite would otherwise read "on conflict" as part of the select (its docs' advice).
  await sql`insert into log_seq_marks (source, seq)
    select source, max(seq) from (${removed}) as removed where true group by source
    on conflict (source) do update set seq = ${greatest}(log_seq_marks.seq, excluded.seq)`.execute(trx);
}
