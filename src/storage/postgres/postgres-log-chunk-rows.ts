// The codec between log lines and PostgreSQL's log_line_chunks rows (migration 019): lines cut into
// chunks (runs of one source in the order given), a chunk's lines as one JSON text, the tags that
// say what a chunk is about, and line ids made of a chunk id and a line's index in it.
import type { LogLine } from '../../core/model.ts';
import { lineBytes } from '../kysely/log-chunks.ts';
import type { NewLogLine } from '../store.ts';

/** A line's id is its chunk's id × LINES_PER_CHUNK_ID + its index in the chunk (ids stay below 2^53 up to 2^37 chunks). */
export const LINES_PER_CHUNK_ID = 65_536;

/**
 * Lines and bytes of text a chunk holds at most. A chunk's words are one tsvector, which holds at
 * most 1 MB; and the indexer indexes whole chunks, so a chunk is also the least it does at once.
 */
export const MAX_CHUNK_LINES = 1000;
export const MAX_CHUNK_TEXT_BYTES = 262_144;

/** A line in a chunk's body: [at, seq, host, app, env, stream, level, run_id, deployment_id, text]; null once removed. */
export type ChunkLine = [number, number, string, string | null, string | null, string, string | null, string | null, string | null, string];

export interface NewChunk {
  source: string;
  firstSeq: number;
  lastSeq: number;
  minAt: number;
  maxAt: number;
  bytes: number;
  scope: string[];
  /** The chunk's lines in order, their text storable (see storableText). */
  lines: NewLogLine[];
}

export function lineId(chunkId: number, index: number): number {
  return chunkId * LINES_PER_CHUNK_ID + index;
}

export function chunkIdOf(lineId: number): number {
  return Math.floor(lineId / LINES_PER_CHUNK_ID);
}

/**
 * Cuts lines into chunks: a new one where the source changes, where a seq does not follow the one
 * before (so a chunk holds exactly the seqs first_seq to last_seq, and the append's check for
 * resends reads only its range, never its body), or where a chunk is full.
 */
export function toChunks(lines: readonly NewLogLine[]): NewChunk[] {
  const chunks: NewChunk[] = [];
  let current: NewChunk | undefined;
  let textBytes = 0;
  for (const line of lines) {
    const bytes = lineBytes(line.text);
    if (current === undefined || current.source !== line.source || line.seq !== current.lastSeq + 1 || current.lines.length >= MAX_CHUNK_LINES ||
      (textBytes > 0 && textBytes + bytes > MAX_CHUNK_TEXT_BYTES)) {
      current = { source: line.source, firstSeq: line.seq, lastSeq: line.seq, minAt: line.at, maxAt: line.at, bytes: 0, scope: [], lines: [] };
      textBytes = 0;
      chunks.push(current);
    }
    current.lines.push(line);
    current.bytes += bytes;
    textBytes += bytes;
    current.lastSeq = line.seq;
    if (line.at < current.minAt) current.minAt = line.at;
    if (line.at > current.maxAt) current.maxAt = line.at;
  }
  for (const chunk of chunks) chunk.scope = scopeOf(chunk.lines);
  return chunks;
}

/** The chunk's body: its lines as JSON (ChunkLine each). */
export function chunkBody(lines: readonly NewLogLine[]): string {
  return JSON.stringify(lines.map(toChunkLine));
}

export function toChunkLine(l: NewLogLine): ChunkLine {
  return [l.at, l.seq, l.host, l.app, l.env, l.stream, l.level, l.runId, l.deploymentId, l.text];
}

export function fromChunkLine(id: number, source: string, l: ChunkLine): LogLine {
  return { id, at: l[0], source, seq: l[1], host: l[2], app: l[3], env: l[4], stream: l[5], level: l[6], runId: l[7], deploymentId: l[8], text: l[9] };
}

/** The field tags a filter looks for in a chunk's scope, by the field's name in LogFilter. */
export const SCOPE_TAGS = { host: 'h:', app: 'a:', env: 'e:', stream: 's:', level: 'l:', runId: 'r:', deploymentId: 'd:' } as const;

/** What the lines are about: each distinct host, app, env, stream, level, run and deployment, tagged, sorted. */
export function scopeOf(lines: readonly Pick<NewLogLine, keyof typeof SCOPE_TAGS>[]): string[] {
  const tags = new Set<string>();
  let previous: (typeof lines)[number] | undefined;
  for (const line of lines) {
    // Neighbouring lines mostly share every field: skip the set for them.
    if (previous !== undefined && previous.host === line.host && previous.app === line.app && previous.env === line.env &&
      previous.stream === line.stream && previous.level === line.level && previous.runId === line.runId && previous.deploymentId === line.deploymentId) continue;
    previous = line;
    for (const field of Object.keys(SCOPE_TAGS) as (keyof typeof SCOPE_TAGS)[]) {
      const value = line[field];
      if (value !== null) tags.add(SCOPE_TAGS[field] + value);
    }
  }
  return [...tags].sort();
}
