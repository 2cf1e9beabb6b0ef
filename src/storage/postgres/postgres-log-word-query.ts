// How a search's words are looked up in PostgreSQL's chunked log with byte comparisons only, so
// that the answers do not depend on the database's locale: the chunks by their words (a tsquery of
// the words as the server made them, matched against the words the server indexed), the lines by
// strings they must contain (a cheap necessary check in SQL), then each line exactly in the server
// (matchesLogQuery, as the live tail and SQLite's phrase check do). PostgreSQL's lower(), its
// [[:alnum:]] and its parser follow the locale, and under the C locale know only ASCII.
import type { LogQueryTerm } from '../../core/logs/parse-log-query.ts';
import { lexeme } from './postgres-log-index-words.ts';

type WordTerm = Extract<LogQueryTerm, { kind: 'tokens' }>;

/**
 * The tsquery (as text for a ::tsquery cast: no text search configuration, no parsing) that a
 * chunk's words must match: every word of every term, each quoted as it is, `:*` after the last
 * word of a prefix term and after a word longer than MAX_LEXEME_CHARS (the index holds its
 * first characters). Words hold only letters, digits and marks, so never a quote or a backslash.
 * A chunk's words have no positions, so a phrase is its words in any place; the line check
 * decides the rest.
 */
export function chunkWordsQuery(terms: WordTerm[]): string {
  const parts: string[] = [];
  for (const term of terms) {
    term.tokens.forEach((word, i) => {
      const cut = lexeme(word);
      const prefix = (term.prefix && i === term.tokens.length - 1) || cut !== word;
      parts.push(`'${cut}'${prefix ? ':*' : ''}`);
    });
  }
  return parts.join(' & ');
}

/**
 * The fold the SQL check applies to a line's text: lower(text COLLATE "C"), which PostgreSQL
 * makes byte by byte, ASCII capitals only, whatever the database's locale. Measured on 300,000
 * lines of 90 characters (PostgreSQL 15, strpos of a word in the fold): 0.23-0.26 s; with lower() in
 * a C.UTF-8 database 0.52-0.63 s; with translate() of the capitals and the two below 9.0 s. Two other characters lowercase to
 * an ASCII letter and are not folded (FOLD_EXCEPTIONS): a line holding either is let through any
 * check of a string with that letter (see mayComeFromException).
 */
export const FOLD_EXCEPTIONS = ['\u0130', '\u212A'] as const;

/** Whether a string of the folded text could stand for a FOLD_EXCEPTIONS character: it holds i (İ → "i̇") or k (KELVIN SIGN → "k"). */
export function mayComeFromException(needle: string): boolean {
  return /[ik]/.test(needle);
}

/**
 * Whether a lowercased word's character `c` is found as it is in a line's folded text: whatever
 * the line's character that lowercases to it (the first of its lowercase), that character folds
 * to `c`, or is one of FOLD_EXCEPTIONS. Any ASCII character, and any other character with no
 * uppercase of its own, except U+0307 COMBINING DOT ABOVE (from İ). A test checks this against
 * every code point.
 */
export function foundFolded(c: string): boolean {
  const code = c.codePointAt(0)!;
  return code < 0x80 || (c.toUpperCase() === c && code !== 0x307);
}

/** What a line's text must contain if it holds the words (see lineNeedles). */
export interface LineNeedles {
  /** Strings the text holds as it is: they have no ASCII letters, which the fold changes. */
  raw: string[];
  /** Strings the folded text holds (or the text holds a FOLD_EXCEPTIONS character, see mayComeFromException). */
  folded: string[];
  /** Regular expressions (PostgreSQL's, of literal characters only) the folded text matches: see termPattern. */
  patterns: string[];
}

/**
 * What a line must contain if it holds the words: in each word, each run of characters
 * foundFolded says are found as they are (a run inside another run left out; none when no
 * character qualifies), and for a phrase or a word with other characters, termPattern. A
 * necessary check, not a sufficient one: a line that passes may still not hold the words (a word
 * inside a longer one, words apart by letters outside ASCII).
 */
export function lineNeedles(terms: WordTerm[]): LineNeedles {
  const runs = new Set<string>();
  const patterns = new Set<string>();
  for (const term of terms) {
    for (const word of term.tokens) foundRuns(word).forEach((run) => runs.add(run));
    if (term.tokens.length > 1 || term.tokens.some((word) => [...word].some((c) => !foundFolded(c)))) patterns.add(termPattern(term.tokens));
  }
  const kept = [...runs].filter((run) => ![...runs].some((other) => other !== run && other.includes(run)));
  return { raw: kept.filter((run) => !/[a-z]/.test(run)), folded: kept.filter((run) => /[a-z]/.test(run)), patterns: [...patterns] };
}

/** The runs of found characters of a word. */
function foundRuns(word: string): string[] {
  const runs: string[] = [];
  let run = '';
  for (const c of word) {
    if (foundFolded(c)) {
      run += c;
      continue;
    }
    if (run !== '') runs.push(run);
    run = '';
  }
  if (run !== '') runs.push(run);
  return runs;
}

/**
 * Characters that are never between two words: ASCII letters and digits as the folded text has
 * them. Listed, not a range or a class, which could follow the locale.
 */
const WORD_ASCII = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Characters whose lowercase is the key, beyond the key's own uppercase (title case letters, the
 * final sigma, KELVIN SIGN and others): every such character of Unicode as JavaScript knows it,
 * which a test checks against every code point. İ is not here: its lowercase is two characters.
 */
const OTHER_CAPITALS: Readonly<Record<string, string>> = {
  'k': '\u212A', 'ǆ': 'ǅ', 'ǉ': 'ǈ', 'ǌ': 'ǋ', 'ǳ': 'ǲ', 'σ': 'ς', 'θ': 'ϴ', 'ß': 'ẞ', 'ω': '\u2126', 'å': '\u212B',
  'ᾀ': 'ᾈ', 'ᾁ': 'ᾉ', 'ᾂ': 'ᾊ', 'ᾃ': 'ᾋ', 'ᾄ': 'ᾌ', 'ᾅ': 'ᾍ', 'ᾆ': 'ᾎ', 'ᾇ': 'ᾏ', 'ᾐ': 'ᾘ', 'ᾑ': 'ᾙ', 'ᾒ': 'ᾚ', 'ᾓ': 'ᾛ',
  'ᾔ': 'ᾜ', 'ᾕ': 'ᾝ', 'ᾖ': 'ᾞ', 'ᾗ': 'ᾟ', 'ᾠ': 'ᾨ', 'ᾡ': 'ᾩ', 'ᾢ': 'ᾪ', 'ᾣ': 'ᾫ', 'ᾤ': 'ᾬ', 'ᾥ': 'ᾭ', 'ᾦ': 'ᾮ', 'ᾧ': 'ᾯ',
  'ᾳ': 'ᾼ', 'ῃ': 'ῌ', 'ῳ': 'ῼ',
};

/**
 * A regular expression the folded text of a line matches if it holds these words in a row: each
 * character of a word as the characters that lowercase to it ("école" → "[éÉ]cole", on the folded
 * text), "i̇" as İ too, and between two words one or more characters other than ASCII letters and
 * digits. Only literal characters, in brackets or alone: no class or range, whose meaning could
 * follow the locale. Words hold only letters, digits and marks, none an operator.
 */
export function termPattern(words: readonly string[]): string {
  return words.map(wordPattern).join(`[^${WORD_ASCII}]+`);
}

function wordPattern(word: string): string {
  const chars = [...word];
  let pattern = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === 'i' && chars[i + 1] === '\u0307') {
      pattern += '(?:i\u0307|\u0130)';
      i += 1;
      continue;
    }
    pattern += charPattern(c);
  }
  return pattern;
}

/** The characters of the folded text that lowercase to `c`: ASCII capitals are folded already. */
function charPattern(c: string): string {
  const upper = c.toUpperCase();
  const forms = new Set([c, ...(c.codePointAt(0)! >= 0x80 && [...upper].length === 1 ? [upper] : []), ...(OTHER_CAPITALS[c] ?? '')]);
  return forms.size === 1 ? c : `[${[...forms].join('')}]`;
}
