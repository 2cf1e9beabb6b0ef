// What PostgreSQL's full-text index is given for one chunk: the distinct words of its lines, read
// in the server from the chunk's body, so that PostgreSQL parses each word once per chunk instead
// of every line's whole text. PostgreSQL still makes the lexemes (postgresLogWords' rules), so the
// chunk's words are the same set as the whole text would give; the server only splits where
// PostgreSQL surely splits too: at ASCII characters other than letters and digits, which no
// locale counts as [:alnum:]. Every other character stays in its word for PostgreSQL to judge.
import { POSTGRES_INDEXED_CHARS } from '../migrations/002-log-search.ts';

/** The text field of a line in a chunk's body (see ChunkLine). */
const TEXT_FIELD = 9;

/** A chunk's distinct words, joined by spaces. */
export interface ChunkWords {
  /** Words of ASCII letters and digits only: PostgreSQL's cut at non-[:alnum:] would leave them as they are. */
  plain: string;
  /** Words with other characters, which PostgreSQL cuts where its locale says (see postgresLogWords). */
  other: string;
}

/**
 * The distinct words of a chunk's lines: each line's first POSTGRES_INDEXED_CHARS characters (as
 * postgresLogWords cuts a line), cut at ASCII characters other than letters and digits. A line
 * removed by retention (null) has none. Throws when the body is not a JSON array: the chunk was
 * not written by this store.
 */
export function chunkIndexWords(body: string): ChunkWords {
  const lines: unknown = JSON.parse(body);
  if (!Array.isArray(lines)) throw new TypeError('a log chunk body is not a JSON array');
  const plain = new Set<string>();
  const other = new Set<string>();
  for (const line of lines) {
    if (!Array.isArray(line)) continue;
    const text: unknown = line[TEXT_FIELD];
    if (typeof text !== 'string') continue;
    addWords(indexedPart(text), plain, other);
  }
  return { plain: [...plain].join(' '), other: [...other].join(' ') };
}

/**
 * Adds the text's words to `plain` or `other`: runs of characters other than ASCII punctuation,
 * controls and spaces. A loop over char codes: measured, about half the time of a regular
 * expression's matches, the most of the server's share of indexing.
 */
function addWords(text: string, plain: Set<string>, other: Set<string>): void {
  let start = -1;
  let ascii = true;
  for (let i = 0; i <= text.length; i++) {
    // NaN past the end: a separator, which ends the last word.
    const code = text.charCodeAt(i);
    const letterOrDigit = code >= 0x80 || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    if (letterOrDigit) {
      if (start < 0) {
        start = i;
        ascii = true;
      }
      if (code >= 0x80) ascii = false;
    } else if (start >= 0) {
      (ascii ? plain : other).add(text.slice(start, i));
      start = -1;
    }
  }
}

/** The first POSTGRES_INDEXED_CHARS characters (code points, as PostgreSQL's left() counts them). */
export function indexedPart(text: string): string {
  if (text.length <= POSTGRES_INDEXED_CHARS) return text;
  let units = 0;
  for (let chars = 0; chars < POSTGRES_INDEXED_CHARS && units < text.length; chars++) {
    const code = text.charCodeAt(units);
    const pair = code >= 0xd800 && code <= 0xdbff && units + 1 < text.length && (text.charCodeAt(units + 1) & 0xfc00) === 0xdc00;
    units += pair ? 2 : 1;
  }
  return text.slice(0, units);
}
