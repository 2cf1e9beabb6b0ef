// The Store's port for the central log: lines from agents and jobs, their search, index and retention.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { LogLine } from '../core/model.ts';
import type { LogFilter } from '../core/logs/log-filter.ts';

export type NewLogLine = Omit<LogLine, 'id'>;

/** A page of the central log: the lines matching `LogFilter`, by id in `order`. */
export interface LogSearch extends LogFilter {
  /** desc: newest first (pages back with beforeId); asc: oldest first (pages forward with afterId). */
  order: 'asc' | 'desc';
  /** Only lines with a greater id. */
  afterId?: number;
  /** Only lines with a smaller id. */
  beforeId?: number;
  limit: number;
}

/** How much the central log holds; bytes are the estimate retention counts (text + 400 per line). */
export interface LogSize {
  lines: number;
  bytes: number;
}

export interface LogStore {
  /**
   * Stores lines in one transaction, skipping any whose (source, seq) is already stored (also a
   * repeat within the batch: the first one counts). Returns the lines it stored, with their ids,
   * in id order: ids grow in the order lines are stored. NUL characters in text are stored as U+FFFD.
   */
  append(lines: NewLogLine[]): Promise<LogLine[]>;
  /** Lines in the order stored, oldest first. */
  list(filter: { runId?: string; deploymentId?: string; host?: string; afterId?: number; limit: number }): Promise<LogLine[]>;
  /**
   * The lines matching every filter given (words, phrases and prefixes of `query` in the text,
   * fields equal, `since` ≤ at < `until`), between afterId and beforeId, at most `limit`, in id
   * order `order`. A query of any text never fails: parseLogQuery makes plain terms of it.
   */
  search(filter: LogSearch): Promise<LogLine[]>;
  /** The highest seq stored for a source, or -1. */
  maxSeq(source: string): Promise<number>;
  /** `maxSeq` of each of these sources, in a few queries; a source without any line is left out. */
  maxSeqOf(sources: readonly string[]): Promise<Map<string, number>>;
  /**
   * The unit of commit that line `id` belongs to: the lines of one unit are committed together,
   * and units are numbered in the order their ids were drawn (PostgreSQL: the line's chunk;
   * SQLite: the line itself). No line can commit later between two ids of one unit or of two
   * adjacent units, so a live feed looks again only where units were skipped.
   */
  commitUnitOf(id: number): number;
  /**
   * The seqs of `source` stored now from `from` to `to` (both included). The answer holds each of
   * them: the caller keeps the range to what it means to look at.
   */
  storedSeqs(source: string, from: number, to: number): Promise<Set<number>>;
  /**
   * The highest seq of `source` that retention removed, or -1 (older databases: the highest seq
   * stored when retention last ran, migration 020, which is at least that). deleteOlderThan and
   * deleteToFitSize raise it in the transaction that removes the lines, so a line whose seq is
   * above it and that is not stored was never stored.
   */
  seqMark(source: string): Promise<number>;
  /** How many lines are stored and their estimated bytes. */
  size(): Promise<LogSize>;
  /** Removes every line with `at` before `at`; returns how many it removed. */
  deleteOlderThan(at: number): Promise<number>;
  /**
   * Removes the oldest lines (by id) until the estimated bytes are at most `maxBytes`; returns
   * how many it removed. Works in small transactions, so ingest is never held up for long.
   */
  deleteToFitSize(maxBytes: number): Promise<number>;
  /**
   * Adds lines stored but not yet in the full-text index to it, at most `maxIds` ids' worth in one
   * transaction. Search finds such lines before as after (more slowly before); this keeps its cost
   * low. PostgreSQL indexes behind ingest; SQLite indexes in `append`, so it has nothing to do.
   */
  indexPending(maxIds: number): Promise<LogIndexProgress>;
}

/** What one LogStore.indexPending call did. */
export interface LogIndexProgress {
  /** Lines added to the index. */
  indexed: number;
  /** Whether nothing waits to be indexed any more (as this call saw it). */
  done: boolean;
}
