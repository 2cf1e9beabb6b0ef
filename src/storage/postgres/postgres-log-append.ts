// The LogStore's `append` for a PostgreSQL store: each column of the batch as one array parameter,
// unnested in a single INSERT…SELECT that skips stored (source, seq) pairs, and the ledger, in one
// transaction. Measured with 10 agents: ~23,600 lines/s with multi-row VALUES (11 parameters a
// line, parsed and bound one by one), 28,500-30,800 this way; PostgreSQL's own work (the tsvector
// and its GIN index) is then most of the time.
import { sql, type Kysely } from 'kysely';
import type { LogLine } from '../../core/model.ts';
import { chunkDeltas, storableText } from '../kysely/log-chunks.ts';
import { inTransaction } from '../kysely/in-transaction.ts';
import { addToLedger } from '../kysely/log-ledger.ts';
import type { Database } from '../kysely/tables.ts';
import type { LogStore, NewLogLine } from '../store.ts';

/** The append over `db`, the database or a transaction to store the lines in. */
export function createPostgresLogAppend(db: Kysely<Database>): LogStore['append'] {
  return async (lines) => {
    if (lines.length === 0) return [];
    const column = <T>(pick: (line: NewLogLine) => T) => lines.map(pick);
    const texts = column((l) => storableText(l.text));
    // A shipper resends what was not acked; ON CONFLICT drops the lines already stored, also
    // when two server instances receive the same batch. Ids follow the batch's order.
    return inTransaction(db, async (trx) => {
      const { rows } = await sql<{ id: number; source: string; seq: number }>`
        insert into log_lines (at, source, seq, host, app, env, stream, level, run_id, deployment_id, text)
        select at, source, seq, host, app, env, stream, level, run_id, deployment_id, text
        from unnest(${column((l) => l.at)}::bigint[], ${column((l) => l.source)}::text[], ${column((l) => l.seq)}::bigint[],
          ${column((l) => l.host)}::text[], ${column((l) => l.app)}::text[], ${column((l) => l.env)}::text[],
          ${column((l) => l.stream)}::text[], ${column((l) => l.level)}::text[], ${column((l) => l.runId)}::text[],
          ${column((l) => l.deploymentId)}::text[], ${texts}::text[])
          with ordinality as batch (at, source, seq, host, app, env, stream, level, run_id, deployment_id, text, position)
        order by position
        on conflict (source, seq) do nothing
        returning id, source, seq`.execute(trx);
      // A (source, seq) given twice in the batch is stored once: the first one counts.
      const firstOfKey = new Map<string, number>();
      lines.forEach((line, i) => {
        const key = `${line.source}\n${line.seq}`;
        if (!firstOfKey.has(key)) firstOfKey.set(key, i);
      });
      const stored: LogLine[] = rows.map((row) => {
        const i = firstOfKey.get(`${row.source}\n${row.seq}`)!;
        return { ...lines[i]!, id: Number(row.id), text: texts[i]! };
      });
      stored.sort((a, b) => a.id - b.id);
      await addToLedger(trx, 'postgres', chunkDeltas(stored));
      return stored;
    });
  };
}
