// The SQLite ingest hot path: lines stored with prepared statements of better-sqlite3 directly, one
// transaction per batch, the full-text rows added by one INSERT…SELECT per batch. Measured on the
// 2-core machine (CPU time): Kysely's multi-row inserts with an FTS trigger ~33,000 lines/s;
// per-row prepared inserts with the same trigger ~17,000 (FTS5 then flushes its pending terms on
// every row's statement); this way ~93,000 with a positional index, 120,000-170,000 without
// (detail=none) and with the run and deployment indexes partial.
import type SqliteDatabase from 'better-sqlite3';
import { chunkDeltas, storableText } from '../kysely/log-chunks.ts';
import type { NewLogLine } from '../store.ts';

/**
 * Returns a function that stores lines in one transaction and answers, for each line, its new id
 * or 0 when its (source, seq) was already stored. It relies on being the only connection that
 * inserts log lines: the rows it inserts are the only new ids in its transaction, so the
 * full-text rows are copied by id range.
 */
export function prepareSqliteLogWrite(sqlite: SqliteDatabase.Database): (lines: NewLogLine[]) => number[] {
  const insert = sqlite.prepare<unknown[]>(`insert into log_lines (at, source, seq, host, app, env, stream, level, run_id, deployment_id, text)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (source, seq) do nothing`);
  const index = sqlite.prepare<[number, number]>('insert into log_lines_fts (rowid, text) select id, text from log_lines where id between ? and ?');
  const ledger = sqlite.prepare<[number, number, number, number, number]>(`insert into log_chunks (chunk, lines, bytes, min_at, max_at) values (?, ?, ?, ?, ?)
    on conflict (chunk) do update set lines = lines + excluded.lines, bytes = bytes + excluded.bytes,
      min_at = min(min_at, excluded.min_at), max_at = max(max_at, excluded.max_at)`);

  return sqlite.transaction((lines: NewLogLine[]): number[] => {
    const ids: number[] = [];
    const stored: { id: number; at: number; text: string }[] = [];
    for (const line of lines) {
      const text = storableText(line.text);
      const { at, source, seq, host, app, env, stream, level, runId, deploymentId } = line;
      const result = insert.run(at, source, seq, host, app, env, stream, level, runId, deploymentId, text);
      const id = result.changes === 1 ? Number(result.lastInsertRowid) : 0;
      ids.push(id);
      if (id !== 0) stored.push({ id, at, text });
    }
    if (stored.length === 0) return ids;
    index.run(stored[0]!.id, stored.at(-1)!.id);
    for (const d of chunkDeltas(stored)) ledger.run(d.chunk, d.lines, d.bytes, d.minAt, d.maxAt);
    return ids;
  });
}
