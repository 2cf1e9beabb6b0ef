// Which lines of the central log someone wants: the filters of search and live tail, and the pure
// check of one line against them (the tail applies it to lines as they arrive).
import type { LogLine } from '../model.ts';
import { logTokens } from './log-tokens.ts';
import type { LogQuery, LogQueryTerm } from './parse-log-query.ts';

/** Every field given must match; none given: every line. */
export interface LogFilter {
  /** Words, phrases and prefixes the text must contain (see parseLogQuery). */
  query?: LogQuery;
  host?: string;
  app?: string;
  env?: string;
  stream?: string;
  /** Any of these levels (lines without a level never match). */
  levels?: string[];
  runId?: string;
  deploymentId?: string;
  /** Lines at or after this time (ms since the epoch). */
  since?: number;
  /** Lines before this time. */
  until?: number;
}

/** Whether `line` passes every filter given, as the store's search would decide. */
export function matchesLogFilter(filter: LogFilter, line: LogLine): boolean {
  if (filter.host !== undefined && line.host !== filter.host) return false;
  if (filter.app !== undefined && line.app !== filter.app) return false;
  if (filter.env !== undefined && line.env !== filter.env) return false;
  if (filter.stream !== undefined && line.stream !== filter.stream) return false;
  if (filter.levels !== undefined && (line.level === null || !filter.levels.includes(line.level))) return false;
  if (filter.runId !== undefined && line.runId !== filter.runId) return false;
  if (filter.deploymentId !== undefined && line.deploymentId !== filter.deploymentId) return false;
  if (filter.since !== undefined && line.at < filter.since) return false;
  if (filter.until !== undefined && line.at >= filter.until) return false;
  return filter.query === undefined || matchesLogQuery(filter.query, line.text);
}

/** Whether `text` contains every term of the query. */
export function matchesLogQuery(query: LogQuery, text: string): boolean {
  if (query.terms.length === 0) return true;
  let tokens: string[] | undefined;
  for (const term of query.terms) {
    if (term.kind === 'literal') {
      if (!text.includes(term.text)) return false;
      continue;
    }
    tokens ??= logTokens(text);
    if (!containsRun(tokens, term)) return false;
  }
  return true;
}

/** Whether the words of `term` occur one after another in `tokens` (the last as a prefix if so marked). */
function containsRun(tokens: string[], term: Extract<LogQueryTerm, { kind: 'tokens' }>): boolean {
  const want = term.tokens;
  const last = want.length - 1;
  for (let start = 0; start + last < tokens.length; start++) {
    let i = 0;
    while (i < last && tokens[start + i] === want[i]) i += 1;
    if (i < last) continue;
    const token = tokens[start + last]!;
    if (term.prefix ? token.startsWith(want[last]!) : token === want[last]) return true;
  }
  return false;
}
