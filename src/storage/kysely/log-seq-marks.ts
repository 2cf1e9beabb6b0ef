// Marks of the highest seq stored per log source (migration 020), one row per source, which only
// ever rises: what survives when retention removes every line of the source.
import { sql, type Kysely } from 'kysely';
import type { LogStore } from '../store.ts';
import type { Database, SqlDialectName } from './tables.ts';

export function createLogSeqMarks(db: Kysely<Database>, dialect: SqlDialectName): Pick<LogStore, 'seqMark' | 'raiseSeqMark'> {
  const greatest = dialect === 'sqlite' ? sql.raw('max') : sql.raw('greatest');
  return {
    async seqMark(source) {
      const row = await db.selectFrom('log_seq_marks').select('seq').where('source', '=', source).executeTakeFirst();
      return row === undefined ? -1 : Number(row.seq);
    },

    async raiseSeqMark(source, seq) {
      await db.insertInto('log_seq_marks').values({ source, seq })
        .onConflict((oc) => oc.column('source').doUpdateSet({ seq: sql`${greatest}(log_seq_marks.seq, excluded.seq)` }))
        .execute();
    },
  };
}
