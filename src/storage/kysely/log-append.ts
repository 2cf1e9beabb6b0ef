// Storing log lines through Kysely (the PostgreSQL adapter's way; SQLite has a faster path of its
// own): multi-row inserts that skip stored (source, seq) pairs, and the ledger, in one transaction.
import type { LogLine } from '../../core/model.ts';
import type { LogStore, NewLogLine } from '../store.ts';
import { chunkDeltas } from './log-chunks.ts';
import { addToLedger } from './log-ledger.ts';
import { toLogLineRow } from './log-rows.ts';
import type { StoreContext } from './store-context.ts';

/** Rows per INSERT: 11 parameters each stays well under PostgreSQL's 65535. */
const ROWS_PER_INSERT = 1000;

export function createKyselyLogAppend({ db, dialect }: StoreContext): LogStore['append'] {
  return async (lines) => {
    if (lines.length === 0) return [];
    // A shipper resends what was not acked; ON CONFLICT drops the lines already stored, also
    // when two server instances receive the same batch.
    return db.transaction().execute(async (trx) => {
      const stored: LogLine[] = [];
      for (let start = 0; start < lines.length; start += ROWS_PER_INSERT) {
        const slice = lines.slice(start, start + ROWS_PER_INSERT);
        const rows = slice.map(toLogLineRow);
        const inserted = await trx.insertInto('log_lines').values(rows)
          .onConflict((oc) => oc.columns(['source', 'seq']).doNothing())
          .returning(['id', 'source', 'seq'])
          .execute();
        const firstOfKey = new Map<string, NewLogLine>();
        slice.forEach((line, i) => {
          const key = `${line.source}\n${line.seq}`;
          if (!firstOfKey.has(key)) firstOfKey.set(key, { ...line, text: rows[i]!.text });
        });
        for (const row of inserted) stored.push({ ...firstOfKey.get(`${row.source}\n${row.seq}`)!, id: row.id });
      }
      stored.sort((a, b) => a.id - b.id);
      await addToLedger(trx, dialect, chunkDeltas(stored));
      return stored;
    });
  };
}
