// The LogStore's `append` for a PostgreSQL store: each column of the batch as one array parameter,
// unnested in a single INSERT…SELECT that skips stored (source, seq) pairs, and the ledger, in one
// transaction, with the range of ids stored queued for the full-text index (filled behind ingest,
// see log-search-index.ts). Measured with 10 agents: ~23,600 lines/s with multi-row VALUES (11
// parameters a line, parsed and bound one by one), 28,500-30,800 this way with the tsvector and its
// GIN index in the same transaction, which were then most of PostgreSQL's time.
import { sql, type Kysely } from 'kysely';
import type { LogLine } from '../../core/model.ts';
import { chunkDeltas, storableText } from '../kysely/log-chunks.ts';
import { inTransaction } from '../kysely/in-transaction.ts';
import { addToLedger } from '../kysely/log-ledger.ts';
import { queueForIndex } from '../kysely/log-search-index.ts';
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
      const stored = matchStored(lines, texts, rows);
      await addToLedger(trx, 'postgres', chunkDeltas(stored));
      // The full-text index is filled behind (LogStore.indexPending): its words cost more than the rest.
      await queueForIndex(trx, stored.map((l) => l.id));
      return stored;
    });
  };
}

/**
 * The stored lines, in id order: each returned row with the batch's line it came from. Ids are
 * given in the batch's order, so a walk through the batch finds each row's line after the one
 * before (skipping lines already stored); a row not found that way (should PostgreSQL ever return
 * rows in another order) is looked up by key. A (source, seq) given twice in the batch is stored
 * once: the first one counts. Measured, a lookup by string key and a copy by spread for every row
 * took a fifth of the server's CPU time in ingest.
 */
function matchStored(lines: NewLogLine[], texts: string[], rows: { id: number; source: string; seq: number }[]): LogLine[] {
  const sorted = rows.map((row) => ({ id: Number(row.id), source: row.source, seq: Number(row.seq) })).sort((a, b) => a.id - b.id);
  let byKey: Map<string, number> | undefined;
  const lineOf = (row: { source: string; seq: number }): number => {
    if (byKey === undefined) {
      byKey = new Map();
      for (let i = lines.length - 1; i >= 0; i--) byKey.set(`${lines[i]!.source}\n${lines[i]!.seq}`, i);
    }
    return byKey.get(`${row.source}\n${row.seq}`)!;
  };
  const stored: LogLine[] = [];
  let next = 0;
  for (const row of sorted) {
    let i = next;
    while (i < lines.length && (lines[i]!.seq !== row.seq || lines[i]!.source !== row.source)) i++;
    if (i < lines.length) {
      next = i + 1;
    } else {
      i = lineOf(row);
    }
    const line = lines[i]!;
    stored.push({
      id: row.id, at: line.at, source: line.source, seq: line.seq, host: line.host, app: line.app, env: line.env, stream: line.stream,
      level: line.level, runId: line.runId, deploymentId: line.deploymentId, text: texts[i]!,
    });
  }
  return stored;
}
