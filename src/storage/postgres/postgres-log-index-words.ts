// What PostgreSQL's full-text index is given for one chunk: the distinct words of its lines, as the
// server reads them (logTokens: the one definition of a word, shared with the query and the live
// tail), already lowercased. PostgreSQL only stores them as they are (array_to_tsvector): its own
// parser, [[:alnum:]] and lower() follow the database's locale, and under the C locale know only
// ASCII, so a word it made could differ from the query's word for the same text.
import { logTokens } from '../../core/logs/log-tokens.ts';
import { POSTGRES_INDEXED_CHARS } from '../migrations/002-log-search.ts';

/** The text field of a line in a chunk's body (see ChunkLine). */
const TEXT_FIELD = 9;

/**
 * A word longer than this many characters (code points) is indexed by its first this many: a
 * tsvector's lexeme holds at most 2047 bytes (array_to_tsvector refuses a longer one), and 500
 * characters of at most 4 bytes each fit. The query looks such a word up as a prefix (see
 * chunkWordsQuery); the line check compares whole words.
 */
export const MAX_LEXEME_CHARS = 500;

/**
 * The distinct words of a chunk's lines, lowercased (logTokens) and cut to MAX_LEXEME_CHARS: each
 * line's first POSTGRES_INDEXED_CHARS characters, as the read checks a line. A line removed by
 * retention (null) has none. Throws when the body is not a JSON array: the chunk was not written
 * by this store.
 */
export function chunkIndexWords(body: string): string[] {
  const lines: unknown = JSON.parse(body);
  if (!Array.isArray(lines)) throw new TypeError('a log chunk body is not a JSON array');
  const ascii = new Set<string>();
  const other = new Set<string>();
  for (const line of lines) {
    if (!Array.isArray(line)) continue;
    const text: unknown = line[TEXT_FIELD];
    if (typeof text !== 'string') continue;
    addPieces(indexedPart(text), ascii, other);
  }
  const words = new Set<string>();
  for (const piece of ascii) words.add(lexeme(piece.toLowerCase()));
  for (const piece of other) {
    for (const word of logTokens(piece)) words.add(lexeme(word));
  }
  return [...words];
}

/**
 * Adds the text's pieces to `ascii` or `other`: runs of characters other than ASCII punctuation,
 * controls and spaces, which no word holds. A piece of ASCII letters and digits is one word; any
 * other piece is split by logTokens. The same words as logTokens over the whole text, with the
 * regular expression run only on the few distinct pieces that need it: a loop over char codes
 * measured about half the time of a regular expression's matches.
 */
function addPieces(text: string, ascii: Set<string>, other: Set<string>): void {
  let start = -1;
  let plain = true;
  for (let i = 0; i <= text.length; i++) {
    // NaN past the end: a separator, which ends the last piece.
    const code = text.charCodeAt(i);
    const inPiece = code >= 0x80 || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    if (inPiece) {
      if (start < 0) {
        start = i;
        plain = true;
      }
      if (code >= 0x80) plain = false;
    } else if (start >= 0) {
      (plain ? ascii : other).add(text.slice(start, i));
      start = -1;
    }
  }
}

/** The word as the index holds it: its first MAX_LEXEME_CHARS code points. */
export function lexeme(word: string): string {
  // A code point takes at least one UTF-16 unit: a word of this many units or fewer is never cut.
  if (word.length <= MAX_LEXEME_CHARS) return word;
  return firstCodePoints(word, MAX_LEXEME_CHARS);
}

/** The first POSTGRES_INDEXED_CHARS characters (code points, as PostgreSQL's left() counts them). */
export function indexedPart(text: string): string {
  if (text.length <= POSTGRES_INDEXED_CHARS) return text;
  return firstCodePoints(text, POSTGRES_INDEXED_CHARS);
}

function firstCodePoints(text: string, count: number): string {
  let units = 0;
  for (let chars = 0; chars < count && units < text.length; chars++) {
    const code = text.charCodeAt(units);
    const pair = code >= 0xd800 && code <= 0xdbff && units + 1 < text.length && (text.charCodeAt(units + 1) & 0xfc00) === 0xdc00;
    units += pair ? 2 : 1;
  }
  return text.slice(0, units);
}
