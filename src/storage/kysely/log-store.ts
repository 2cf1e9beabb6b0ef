// Log lines over Kysely: the central log of every machine, deduplicated by (source, seq), searched
// through the dialect's full-text index and trimmed by retention.
import { sql } from 'kysely';
import type { LogStore } from '../store.ts';
import { createLogRetention } from './log-retention-store.ts';
import { logLineColumns, toLogLine } from './log-rows.ts';
import { searchLogLines } from './log-search.ts';
import { indexPending } from './log-search-index.ts';
import type { StoreContext } from './store-context.ts';

/**
 * The LogStore of the port, over `log_lines`, `log_lines_fts` (SQLite), `log_search` and
 * `log_search_queue` (PostgreSQL) and `log_chunks`.
 * `append` is the adapter's own way to store lines, the ingest hot path (SQLite's prepared
 * statements, PostgreSQL's unnested arrays).
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

    indexPending: (maxIds) => indexPending(db, context.dialect, maxIds),

    ...createLogRetention(context),
  };
}
