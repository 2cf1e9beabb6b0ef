// The codec between log_lines rows and LogLine records, and the columns a query reads (never the
// PostgreSQL tsvector, which only the index needs).
import { sql, type RawBuilder } from 'kysely';
import type { LogLine } from '../../core/model.ts';
import type { LogLinesTable } from './tables.ts';

export type LogLineRow = Omit<LogLinesTable, 'id'> & { id: number };

export const logLineColumns = ['id', 'at', 'source', 'seq', 'host', 'app', 'env', 'stream', 'level', 'run_id', 'deployment_id', 'text'] as const;

/** The columns of table alias `l`, for hand-written queries. */
export const logLineColumnsOfL: RawBuilder<unknown> = sql.join(logLineColumns.map((c) => sql.ref(`l.${c}`)));

export function toLogLine(row: LogLineRow): LogLine {
  return {
    id: row.id,
    at: row.at,
    source: row.source,
    seq: row.seq,
    host: row.host,
    app: row.app,
    env: row.env,
    stream: row.stream,
    level: row.level,
    runId: row.run_id,
    deploymentId: row.deployment_id,
    text: row.text,
  };
}
