// The central log's size ledger: lines grouped by id into chunks, each with its line count, its
// estimated bytes and its time span. Retention reads it instead of scanning millions of lines, and
// time-range searches narrow their id range with it.
import type { LogLine } from '../../core/model.ts';

/** Ids per chunk: a chunk is the unit retention removes at once (a few MB of lines). */
export const CHUNK_IDS = 4096;

/**
 * What a line is counted as, in bytes: its text (UTF-8) plus 400 for its other fields and its
 * entries in the indexes. Measured on SQLite with the full-text index: lines of 49, 109 and 410
 * bytes of text take 432, 523 and 909 bytes of database file. `lineBytesSql` is the same in SQL.
 */
export function lineBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8') + LINE_OVERHEAD_BYTES;
}

export const LINE_OVERHEAD_BYTES = 400;

export interface ChunkDelta {
  chunk: number;
  lines: number;
  bytes: number;
  minAt: number;
  maxAt: number;
}

/** The ledger entries to add for newly stored lines, by chunk in ascending order (a lock order). */
export function chunkDeltas(lines: readonly Pick<LogLine, 'id' | 'at' | 'text'>[]): ChunkDelta[] {
  const byChunk = new Map<number, ChunkDelta>();
  for (const line of lines) {
    const chunk = Math.floor(line.id / CHUNK_IDS);
    const bytes = lineBytes(line.text);
    const delta = byChunk.get(chunk);
    if (delta === undefined) {
      byChunk.set(chunk, { chunk, lines: 1, bytes, minAt: line.at, maxAt: line.at });
    } else {
      delta.lines += 1;
      delta.bytes += bytes;
      if (line.at < delta.minAt) delta.minAt = line.at;
      if (line.at > delta.maxAt) delta.maxAt = line.at;
    }
  }
  return [...byChunk.values()].sort((a, b) => a.chunk - b.chunk);
}

/** Half a UTF-16 surrogate pair: a high one not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Text as the databases can keep it: PostgreSQL refuses NUL characters, and no UTF-8 text holds
 * half a surrogate pair (a JS string can, from JSON's "\ud800"; in PostgreSQL's chunk bodies its
 * JSON escape made every read of the chunk fail), so both stores replace them with U+FFFD.
 */
export function storableText(text: string): string {
  const withoutNul = text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
  return LONE_SURROGATE.test(withoutNul) ? withoutNul.replace(LONE_SURROGATES, '\uFFFD') : withoutNul;
}

/** Whether storableText would change the text. */
export function needsStorableText(text: string): boolean {
  return text.includes('\0') || LONE_SURROGATE.test(text);
}

/**
 * The line with every text field storable (storableText), the line itself when none needs it. In
 * PostgreSQL's chunk bodies a NUL or half a surrogate pair in any field (a stream named after a
 * file's path, a level, an app name an agent sent) made every read of the chunk fail.
 */
export function storableLine<T extends NewLogLineFields>(line: T): T {
  const { text, host, app, env, stream, level, runId, deploymentId } = line;
  if (!needsStorableText(text) && !needsStorableText(host) && !needsStorableText(stream) && [app, env, level, runId, deploymentId].every((v) => v === null || !needsStorableText(v))) return line;
  const fix = (v: string | null) => (v === null ? null : storableText(v));
  return { ...line, text: storableText(text), host: storableText(host), stream: storableText(stream), app: fix(app), env: fix(env), level: fix(level), runId: fix(runId), deploymentId: fix(deploymentId) };
}

type NewLogLineFields = Pick<LogLine, 'text' | 'host' | 'app' | 'env' | 'stream' | 'level' | 'runId' | 'deploymentId'>;
