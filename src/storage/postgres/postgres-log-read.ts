// Reading PostgreSQL's central log (log_line_chunks, migration 019): the chunks that may hold
// matching lines are found by their own columns and indexes (id range, time span, scope tags, the
// chunk's words), then unpacked in SQL and each line checked exactly, in id order, up to the limit
// (a search's words last, in the server: see postgres-log-word-query.ts).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { LogLine } from '../../core/model.ts';
import { matchesLogQuery } from '../../core/logs/log-filter.ts';
import type { LogQueryTerm } from '../../core/logs/parse-log-query.ts';
import type { Database } from '../kysely/tables.ts';
import type { LogStore } from '../store.ts';
import { LINES_PER_CHUNK_ID, SCOPE_TAGS, chunkIdOf } from './postgres-log-chunk-rows.ts';
import { indexedPart } from './postgres-log-index-words.ts';
import { FOLD_EXCEPTIONS, chunkWordsQuery, lineNeedles, mayComeFromException } from './postgres-log-word-query.ts';

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
  /** The last check of a line that passed `line`, made in the server; none: every such line. */
  keep?: (line: LogLine) => boolean;
}

/** Chunks unpacked in the first step of a read; each next step takes four times as many, up to MAX_CHUNKS_PER_STEP. */
const FIRST_CHUNKS_PER_STEP = 2;
const MAX_CHUNKS_PER_STEP = 256;
/** Rows one query of a step's lines asks for at most, when the server's check rejected many. */
const MAX_ROWS_PER_QUERY = 10_000;

/**
 * The lines meeting `line` (and `keep`) in the chunks meeting `chunk`, in id order, up to the
 * limit. In steps: the next few chunks that qualify (by their own columns and indexes), then their
 * lines. So a read unpacks only the chunks it needs, whatever plan PostgreSQL would pick for one
 * query over all chunks (measured: with statistics taken before a bulk load, it unpacked and
 * sorted every line).
 */
async function readLines(db: Kysely<Database>, q: LinesQuery): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const read = { rejected: 0 };
  let step = FIRST_CHUNKS_PER_STEP;
  let past: number | undefined;
  for (;;) {
    const chunk = [...q.chunk, ...(past === undefined ? [] : [q.order === 'asc' ? sql`c.id > ${past}` : sql`c.id < ${past}`])];
    const { rows: chunks } = await sql<{ id: number }>`
      select c.id from log_line_chunks c ${chunk.length > 0 ? sql`where ${sql.join(chunk, sql` and `)}` : sql``}
      order by c.id ${q.order === 'asc' ? sql`asc` : sql`desc`} limit ${step}`.execute(db);
    if (chunks.length === 0) return lines;
    const ids = chunks.map((c) => Number(c.id));
    await readChunkLines(db, q, ids, lines, read);
    if (lines.length >= q.limit || chunks.length < step) return lines;
    past = ids.at(-1);
    step = Math.min(step * 4, MAX_CHUNKS_PER_STEP);
  }
}

/**
 * Adds the lines of the chunks `ids` that pass, in id order, to `lines` up to the limit. Without
 * `keep`, one query. With it, rows that `keep` rejects leave the page short: the next query starts
 * after the last row read and asks for as many more rows as were rejected so far (so a check that
 * rejects most rows doubles what each query asks, and one that rejects none costs nothing more).
 */
async function readChunkLines(db: Kysely<Database>, q: LinesQuery, ids: number[], lines: LogLine[], read: { rejected: number }): Promise<void> {
  const order = q.order === 'asc' ? sql`asc` : sql`desc`;
  let from = ids;
  let after: number | undefined;
  for (;;) {
    const want = Math.min(q.limit - lines.length + read.rejected, MAX_ROWS_PER_QUERY);
    const where = [sql`c.id = any(${from}::bigint[])`, sql`jsonb_typeof(e.line) = 'array'`, ...q.line];
    if (after !== undefined) where.push(q.order === 'asc' ? sql`${lineIdSql} > ${after}` : sql`${lineIdSql} < ${after}`);
    const { rows } = await sql<LogLine>`
      select ${lineIdSql} as id, ${field.at} as at, c.source, ${field.seq} as seq, ${field.host} as host, ${field.app} as app,
        ${field.env} as env, ${field.stream} as stream, ${field.level} as level, ${field.runId} as "runId",
        ${field.deploymentId} as "deploymentId", ${field.text} as text
      from log_line_chunks c cross join lateral jsonb_array_elements(c.body::jsonb) with ordinality as e (line, ord)
      where ${sql.join(where, sql` and `)}
      order by c.id ${order}, e.ord ${order} limit ${want}`.execute(db);
    for (const row of rows) {
      if (q.keep !== undefined && !q.keep(row)) {
        read.rejected += 1;
        continue;
      }
      lines.push(row);
      if (lines.length >= q.limit) return;
    }
    const last = rows.at(-1);
    if (rows.length < want || last === undefined) return;
    after = Number(last.id);
    // The chunks before the last row's are read to their end: the next query unpacks only the rest.
    const lastChunk = chunkIdOf(after);
    from = from.filter((id) => (q.order === 'asc' ? id >= lastChunk : id <= lastChunk));
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
 * The words of a query: a chunk qualifies when its words (the server's, see chunkIndexWords) hold
 * every word, or when it is not indexed yet; a line must contain what lineNeedles says (checked on
 * bytes: most lines of a chunk fail that cheaply), then hold the words as the server reads its
 * indexed part (phrases as words in a row), as matchesLogQuery decides for the live tail.
 */
function wordConditions(words: WordTerm[], q: LinesQuery): void {
  q.chunk.push(sql`(c.words @@ ${chunkWordsQuery(words)}::tsquery or c.words is null)`);
  const needles = lineNeedles(words);
  for (const needle of needles.raw) q.line.push(sql`strpos(${field.text}, ${needle}) > 0`);
  const folded = sql`lower(${field.text} collate "C")`;
  const exception = sql.join(FOLD_EXCEPTIONS.map((c) => sql`strpos(${field.text}, ${c}) > 0`), sql` or `);
  const unlessException = (check: RawBuilder<unknown>, needle: string) => (mayComeFromException(needle) ? sql`(${check} or ${exception})` : check);
  for (const needle of needles.folded) q.line.push(unlessException(sql`strpos(${folded}, ${needle}) > 0`, needle));
  for (const pattern of needles.patterns) q.line.push(sql`${folded} ~ ${pattern}`);
  const query = { terms: words };
  q.keep = (line) => matchesLogQuery(query, indexedPart(line.text));
}
