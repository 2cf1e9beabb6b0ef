// What a person types to search the central log, parsed into terms that every line must match:
// words, "quoted phrases" and prefixes with a trailing *. Nothing typed is ever a syntax error.
import { logTokens } from './log-tokens.ts';

/**
 * One thing a line must contain. `tokens`: these words in a row (one word, a phrase, or a word
 * that the tokenizer splits, like user_id → user id); with `prefix`, the last one may continue
 * (`deploy*` matches "deployment"). `literal`: text without letters or digits (`->`, `==`),
 * matched as it is written, case and all.
 */
export type LogQueryTerm =
  | { kind: 'tokens'; tokens: string[]; prefix: boolean }
  | { kind: 'literal'; text: string };

export interface LogQuery {
  /** All must match; none: every line matches. */
  terms: LogQueryTerm[];
}

/** Terms beyond this many are ignored: a query is typed by a person, not generated. */
export const MAX_QUERY_TERMS = 32;

/**
 * Parses a search. Words are separated by white space; a double-quoted part is one phrase; a
 * trailing `*` makes the last word a prefix. Odd input is read as plain words: an unbalanced
 * quote is ignored, FTS or tsquery operators (AND, OR, NOT, NEAR, -, ^, :, parentheses) are words
 * or separators like any other, and a lone `*` or `""` is dropped. Never throws.
 */
export function parseLogQuery(text: string): LogQuery {
  const terms: LogQueryTerm[] = [];
  for (const raw of rawTerms(text)) {
    if (terms.length >= MAX_QUERY_TERMS) break;
    const term = toTerm(raw);
    if (term) terms.push(term);
  }
  return { terms };
}

interface RawTerm {
  text: string;
  prefix: boolean;
}

function rawTerms(text: string): RawTerm[] {
  const raw: RawTerm[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/u.test(c)) {
      i += 1;
      continue;
    }
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      if (close > 0) {
        const prefix = text[close + 1] === '*';
        raw.push({ text: text.slice(i + 1, close), prefix });
        i = close + (prefix ? 2 : 1);
        continue;
      }
      // An unbalanced quote: the rest is plain words.
      i += 1;
      continue;
    }
    let end = i;
    while (end < text.length && text[end] !== '"' && !/\s/u.test(text[end]!)) end += 1;
    const word = text.slice(i, end);
    const prefix = word.endsWith('*');
    raw.push({ text: prefix ? word.replace(/\*+$/, '') : word, prefix });
    i = end;
  }
  return raw;
}

function toTerm(raw: RawTerm): LogQueryTerm | undefined {
  const tokens = logTokens(raw.text);
  if (tokens.length > 0) return { kind: 'tokens', tokens, prefix: raw.prefix };
  const literal = raw.text.trim();
  return literal === '' ? undefined : { kind: 'literal', text: literal };
}

