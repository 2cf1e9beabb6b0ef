// Log lines over Kysely, one row per line: the SQLite store's central log, deduplicated by (source,
// seq), searched through FTS5 and trimmed by retention. (PostgreSQL keeps chunks of lines since
// migration 019: storage/postgres/postgres-log-store.ts.)
import { sql } from 'kysely';
import type { LogStore } from '../store.ts';
import { createLogRetention } from './log-retention-store.ts';
import { logLineColumns, toLogLine } from './log-rows.ts';
import { createLogSeqMarks } from './log-seq-marks.ts';
import { searchLogLines } from './log-search.ts';
import type { StoreContext } from './store-context.ts';

const SOURCES_PER_QUERY = 10_000;

/**
 * The LogStore of the port, over `log_lines`, `log_lines_fts` and `log_chunks` (the size ledger).
 * `append` is the adapter's own way to store lines, the ingest hot path (SQLite's prepared statements).
 */
export function createKyselyLogStore(context: StoreContext, append: LogStore['append']): LogStore {
  const { db } = context;
  return {
    append,

    async list(filter) {
      let query = db.selectFrom('log_lines').select(logLineColumns);
      if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
      if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
      if (filter.deploymentId !== undefined) query = query.where('deployment_id', '=', filter.deploymentId);
      if (filter.host !== undefined) query = query.where('host', '=', filter.host);
      const rows = await query.orderBy('id').limit(filter.limit).execute();
      return rows.map(toLogLine);
    },

    search: (filter) => searchLogLines(context, filter),

    async maxSeq(source) {
      const { rows } = await sql<{ max: number | null }>`select max(seq) as max from log_lines where source = ${source}`.execute(db);
      return rows[0]?.max ?? -1;
    },

    async maxSeqOf(sources) {
      const maxima = new Map<string, number>();
      // In slices: SQLite takes at most 32,766 bound values in one statement.
      for (let i = 0; i < sources.length; i += SOURCES_PER_QUERY) {
        const rows = await db.selectFrom('log_lines').select(['source', (eb) => eb.fn.max('seq').as('max')])
          .where('source', 'in', sources.slice(i, i + SOURCES_PER_QUERY)).groupBy('source').execute();
        for (const row of rows) maxima.set(row.source, Number(row.max));
      }
      return maxima;
    },

    async storedSeqs(source, from, to) {
      const rows = await db.selectFrom('log_lines').select('seq').where('source', '=', source).where('seq', '>=', from).where('seq', '<=', to).execute();
      return new Set(rows.map((r) => Number(r.seq)));
    },

    // A row per line, each id drawn in its append's transaction.
    commitUnitOf: (id) => id,

    // SQLite's FTS5 index is written by the append itself: nothing waits.
    indexPending: () => Promise.resolve({ indexed: 0, done: true }),

    ...createLogRetention(context),
    ...createLogSeqMarks(db),
  };
}
