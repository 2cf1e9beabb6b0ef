// Searching the central log one row per line (SQLite): filters as SQL over log_lines, the words of
// the query through FTS5 MATCH, paged by id.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { LogLine } from '../../core/model.ts';
import type { LogQueryTerm } from '../../core/logs/parse-log-query.ts';
import type { LogSearch } from '../store.ts';
import { CHUNK_IDS } from './log-chunks.ts';
import { logLineColumnsOfL, toLogLine, type LogLineRow } from './log-rows.ts';
import type { StoreContext } from './store-context.ts';
import type { Database, SqlDialectName } from './tables.ts';

type WordTerm = Extract<LogQueryTerm, { kind: 'tokens' }>;

/** The lines of the central log that match `filter` (see LogStore.search). */
export async function searchLogLines({ db, dialect }: StoreContext, filter: LogSearch): Promise<LogLine[]> {
  const range = await idRange(db, filter);
  if (range === undefined || (filter.levels !== undefined && filter.levels.length === 0) || filter.limit <= 0) return [];
  const terms = filter.query?.terms ?? [];
  const words = terms.filter((t): t is WordTerm => t.kind === 'tokens');
  // SQLite: with words, the FTS table drives the loop (CROSS JOIN keeps that order) and gives
  // rowids in either order without sorting, so a page of a common word stops after `limit` rows.
  const viaFts = dialect === 'sqlite' && words.length > 0;
  const id = viaFts ? sql.ref('f.rowid') : sql.ref('l.id');
  const conditions: RawBuilder<unknown>[] = [];
  if (viaFts) conditions.push(sql`f.log_lines_fts match ${fts5Match(words)}`);
  const phrases = words.filter((t) => t.tokens.length > 1);
  if (viaFts && phrases.length > 0) conditions.push(sql`${sql.raw(SQLITE_PHRASE_FUNCTION)}(l.text, ${JSON.stringify({ terms: phrases })}) = 1`);
  if (range.min > 0) conditions.push(sql`${id} >= ${range.min}`);
  if (range.max !== undefined) conditions.push(sql`${id} <= ${range.max}`);
  const equal = { host: filter.host, app: filter.app, env: filter.env, stream: filter.stream, run_id: filter.runId, deployment_id: filter.deploymentId };
  for (const [column, value] of Object.entries(equal)) {
    if (value !== undefined) conditions.push(sql`${sql.ref(`l.${column}`)} = ${value}`);
  }
  if (filter.levels !== undefined) conditions.push(sql`l.level in (${sql.join(filter.levels)})`);
  if (filter.since !== undefined) conditions.push(sql`l.at >= ${filter.since}`);
  if (filter.until !== undefined) conditions.push(sql`l.at < ${filter.until}`);
  for (const term of terms) {
    if (term.kind === 'literal') conditions.push(containsLiteral(dialect, term.text));
  }
  const order = filter.order === 'asc' ? sql`asc` : sql`desc`;
  const from = viaFts ? sql`log_lines_fts f cross join log_lines l on l.id = f.rowid` : sql`log_lines l`;
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const { rows } = await sql<LogLineRow>`select ${logLineColumnsOfL} from ${from} ${where} order by ${id} ${order} limit ${filter.limit}`.execute(db);
  return rows.map(toLogLine);
}

/**
 * The ids a page may hold: after/before, narrowed by the ledger to the chunks whose time span meets
 * since/until (so a time range reads only its part of the log). Undefined when no line can match.
 */
async function idRange(db: Kysely<Database>, filter: LogSearch): Promise<{ min: number; max?: number } | undefined> {
  let min = filter.afterId === undefined ? 0 : filter.afterId + 1;
  let max = filter.beforeId === undefined ? undefined : filter.beforeId - 1;
  if (filter.since !== undefined) {
    const row = await db.selectFrom('log_chunks').select((eb) => eb.fn.min('chunk').as('chunk')).where('max_at', '>=', filter.since).executeTakeFirst();
    if (row?.chunk == null) return undefined;
    min = Math.max(min, Number(row.chunk) * CHUNK_IDS);
  }
  if (filter.until !== undefined) {
    const row = await db.selectFrom('log_chunks').select((eb) => eb.fn.max('chunk').as('chunk')).where('min_at', '<', filter.until).executeTakeFirst();
    if (row?.chunk == null) return undefined;
    const last = (Number(row.chunk) + 1) * CHUNK_IDS - 1;
    max = max === undefined ? last : Math.min(max, last);
  }
  return max !== undefined && max < min ? undefined : { min, max };
}

/**
 * An FTS5 query: every word of every term a quoted string (so no word is ever an operator), `*`
 * after the last word of a prefix term; all must match. The index keeps no positions
 * (detail=none), so a phrase's words in a row are checked by SQLITE_PHRASE_FUNCTION on the lines
 * the index finds. Words hold only letters and digits, so they never contain a quote.
 */
export function fts5Match(terms: WordTerm[]): string {
  return terms.flatMap((t) => t.tokens.map((w, i) => `"${w}"${t.prefix && i === t.tokens.length - 1 ? '*' : ''}`)).join(' ');
}

/**
 * The SQL function a SQLite store registers: (text, JSON of a LogQuery) → 1 when the text holds
 * every term, with a phrase's words one after another (matchesLogQuery).
 */
export const SQLITE_PHRASE_FUNCTION = 'slipway_matches_log_query';

function containsLiteral(dialect: SqlDialectName, text: string): RawBuilder<unknown> {
  return dialect === 'sqlite' ? sql`instr(l.text, ${text}) > 0` : sql`strpos(l.text, ${text}) > 0`;
}
