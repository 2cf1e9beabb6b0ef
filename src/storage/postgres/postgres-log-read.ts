// Reading PostgreSQL's central log (log_line_chunks, migration 019): the chunks that may hold
// matching lines are found by their own columns and indexes (id range, time span, scope tags, the
// chunk's words), then unpacked in SQL and each line checked exactly, in id order, up to the limit.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { LogLine } from '../../core/model.ts';
import type { LogQueryTerm } from '../../core/logs/parse-log-query.ts';
import { tsQuery } from '../kysely/log-search.ts';
import type { Database } from '../kysely/tables.ts';
import type { LogStore } from '../store.ts';
import { LINES_PER_CHUNK_ID, SCOPE_TAGS, chunkIdOf } from './postgres-log-chunk-rows.ts';
import { postgresLogWords } from './postgres-log-index.ts';

type WordTerm = Extract<LogQueryTerm, { kind: 'tokens' }>;

/** A line's fields in the unpacked chunk `e.line` (see ChunkLine). */
const field = {
  at: sql`(e.line->>0)::bigint`,
  seq: sql`(e.line->>1)::bigint`,
  host: sql`(e.line->>2)`,
  app: sql`(e.line->>3)`,
  env: sql`(e.line->>4)`,
  stream: sql`(e.line->>5)`,
  level: sql`(e.line->>6)`,
  runId: sql`(e.line->>7)`,
  deploymentId: sql`(e.line->>8)`,
  text: sql`(e.line->>9)`,
};

const lineIdSql = sql`(c.id * ${sql.lit(LINES_PER_CHUNK_ID)} + e.ord - 1)`;

interface LinesQuery {
  chunk: RawBuilder<unknown>[];
  line: RawBuilder<unknown>[];
  order: 'asc' | 'desc';
  limit: number;
}

/** Chunks unpacked in the first step of a read; each next step takes four times as many, up to MAX_CHUNKS_PER_STEP. */
const FIRST_CHUNKS_PER_STEP = 2;
const MAX_CHUNKS_PER_STEP = 256;

/**
 * The lines meeting `line` in the chunks meeting `chunk`, in id order, up to the limit. In steps:
 * the next few chunks that qualify (by their own columns and indexes), then their lines. So a read
 * unpacks only the chunks it needs, whatever plan PostgreSQL would pick for one query over all
 * chunks (measured: with statistics taken before a bulk load, it unpacked and sorted every line).
 */
async function readLines(db: Kysely<Database>, q: LinesQuery): Promise<LogLine[]> {
  const order = q.order === 'asc' ? sql`asc` : sql`desc`;
  const lines: LogLine[] = [];
  let step = FIRST_CHUNKS_PER_STEP;
  let past: number | undefined;
  for (;;) {
    const chunk = [...q.chunk, ...(past === undefined ? [] : [q.order === 'asc' ? sql`c.id > ${past}` : sql`c.id < ${past}`])];
    const { rows: chunks } = await sql<{ id: number }>`
      select c.id from log_line_chunks c ${chunk.length > 0 ? sql`where ${sql.join(chunk, sql` and `)}` : sql``}
      order by c.id ${order} limit ${step}`.execute(db);
    if (chunks.length === 0) return lines;
    const ids = chunks.map((c) => Number(c.id));
    const where = [sql`c.id = any(${ids}::bigint[])`, sql`jsonb_typeof(e.line) = 'array'`, ...q.line];
    const { rows } = await sql<LogLine>`
      select ${lineIdSql} as id, ${field.at} as at, c.source, ${field.seq} as seq, ${field.host} as host, ${field.app} as app,
        ${field.env} as env, ${field.stream} as stream, ${field.level} as level, ${field.runId} as "runId",
        ${field.deploymentId} as "deploymentId", ${field.text} as text
      from log_line_chunks c cross join lateral jsonb_array_elements(c.body::jsonb) with ordinality as e (line, ord)
      where ${sql.join(where, sql` and `)}
      order by c.id ${order}, e.ord ${order} limit ${q.limit - lines.length}`.execute(db);
    lines.push(...rows);
    if (lines.length >= q.limit || chunks.length < step) return lines;
    past = ids.at(-1);
    step = Math.min(step * 4, MAX_CHUNKS_PER_STEP);
  }
}

/** Conditions on the chunk and on each line for the fields given equal. */
function equalConditions(filter: Partial<Record<'host' | 'app' | 'env' | 'stream' | 'runId' | 'deploymentId', string>>, q: LinesQuery): void {
  const tags: string[] = [];
  for (const name of ['host', 'app', 'env', 'stream', 'runId', 'deploymentId'] as const) {
    const value = filter[name];
    if (value === undefined) continue;
    tags.push(SCOPE_TAGS[name] + value);
    q.line.push(sql`${field[name]} = ${value}`);
  }
  if (tags.length > 0) q.chunk.push(sql`c.scope @> ${tags}::text[]`);
}

function idConditions(afterId: number | undefined, beforeId: number | undefined, q: LinesQuery): void {
  if (afterId !== undefined) {
    q.chunk.push(sql`c.id >= ${chunkIdOf(afterId)}`);
    q.line.push(sql`${lineIdSql} > ${afterId}`);
  }
  if (beforeId !== undefined) {
    q.chunk.push(sql`c.id <= ${chunkIdOf(beforeId)}`);
    q.line.push(sql`${lineIdSql} < ${beforeId}`);
  }
}

export function createPostgresLogRead(db: Kysely<Database>): Pick<LogStore, 'list' | 'search' | 'maxSeq' | 'maxSeqOf' | 'storedSeqs'> {
  return {
    async list(filter) {
      const q: LinesQuery = { chunk: [], line: [], order: 'asc', limit: filter.limit };
      if (filter.limit <= 0) return [];
      equalConditions(filter, q);
      idConditions(filter.afterId, undefined, q);
      return readLines(db, q);
    },

    async search(filter) {
      if ((filter.levels !== undefined && filter.levels.length === 0) || filter.limit <= 0) return [];
      const q: LinesQuery = { chunk: [], line: [], order: filter.order, limit: filter.limit };
      equalConditions(filter, q);
      idConditions(filter.afterId, filter.beforeId, q);
      if (filter.levels !== undefined) {
        q.chunk.push(sql`c.scope && ${filter.levels.map((l) => SCOPE_TAGS.level + l)}::text[]`);
        q.line.push(sql`${field.level} in (${sql.join(filter.levels)})`);
      }
      if (filter.since !== undefined) {
        q.chunk.push(sql`c.max_at >= ${filter.since}`);
        q.line.push(sql`${field.at} >= ${filter.since}`);
      }
      if (filter.until !== undefined) {
        q.chunk.push(sql`c.min_at < ${filter.until}`);
        q.line.push(sql`${field.at} < ${filter.until}`);
      }
      const terms = filter.query?.terms ?? [];
      for (const term of terms) {
        if (term.kind === 'literal') q.line.push(sql`strpos(${field.text}, ${term.text}) > 0`);
      }
      const words = terms.filter((t): t is WordTerm => t.kind === 'tokens');
      if (words.length > 0) wordConditions(words, q);
      return readLines(db, q);
    },

    async maxSeq(source) {
      const { rows } = await sql<{ max: number | null }>`select max(last_seq) as max from log_line_chunks where source = ${source}`.execute(db);
      return rows[0]?.max == null ? -1 : Number(rows[0].max);
    },

    async storedSeqs(source, from, to) {
      // A chunk without gaps in its seqs (all since chunks are cut at gaps) holds its whole range;
      // only an older one with gaps, or one retention removed lines from the middle of, is unpacked.
      const { rows } = await sql<{ first_seq: string; last_seq: string; seqs: string[] | null }>`
        select first_seq, last_seq, case when last_seq - first_seq + 1 = lines then null else array(
          select (e.line->>1)::bigint from json_array_elements(body::json) as e (line)
          where json_typeof(e.line) = 'array' and (e.line->>1)::bigint between ${from} and ${to}) end as seqs
        from log_line_chunks where source = ${source} and last_seq >= ${from} and first_seq <= ${to}`.execute(db);
      const stored = new Set<number>();
      for (const row of rows) {
        if (row.seqs !== null) for (const seq of row.seqs) stored.add(Number(seq));
        else for (let seq = Math.max(from, Number(row.first_seq)); seq <= Math.min(to, Number(row.last_seq)); seq++) stored.add(seq);
      }
      return stored;
    },

    async maxSeqOf(sources) {
      const maxima = new Map<string, number>();
      if (sources.length === 0) return maxima;
      // One array parameter, however many sources: no limit on bound values to slice by.
      const { rows } = await sql<{ source: string; max: string | number }>`select source, max(last_seq) as max from log_line_chunks where source = any(${[...sources]}::text[]) group by source`.execute(db);
      for (const row of rows) maxima.set(row.source, Number(row.max));
      return maxima;
    },
  };
}

/**
 * The words of a query: a chunk qualifies when its words (a stripped tsvector, no positions) hold
 * every word, or when it is not indexed yet; then each line must hold them as the line's own
 * tsvector says (phrases as words in a row), exactly as when each line had its indexed tsvector.
 * Before computing a line's words, its lowercased text must contain each word (a line holding a
 * word contains it): most lines of a chunk fail that cheaply.
 */
function wordConditions(words: WordTerm[], q: LinesQuery): void {
  const every = words.flatMap((t) => t.tokens.map((w, i) => ({ tokens: [w], prefix: t.prefix && i === t.tokens.length - 1, kind: 'tokens' as const })));
  q.chunk.push(sql`(c.words @@ to_tsquery('pg_catalog.simple', ${tsQuery(every)}) or c.words is null)`);
  for (const word of new Set(words.flatMap((t) => t.tokens))) q.line.push(sql`strpos(lower(${field.text}), ${word}) > 0`);
  q.line.push(sql`${postgresLogWords(field.text)} @@ to_tsquery('pg_catalog.simple', ${tsQuery(words)})`);
}
