// The words the server hands PostgreSQL's index for a chunk: each distinct word once, cut only at
// ASCII characters other than letters and digits, from each line's indexed part.
import { describe, expect, it } from 'vitest';
import { POSTGRES_INDEXED_CHARS } from '../migrations/002-log-search.ts';
import { chunkIndexWords, indexedPart } from './postgres-log-index-words.ts';

/** A chunk body holding lines with these texts (a null stands for a line retention removed). */
function body(...texts: (string | null)[]): string {
  return JSON.stringify(texts.map((text) => (text === null ? null : [1, 1, 'web-1', null, null, 'app', null, null, null, text])));
}

describe('chunkIndexWords', () => {
  it('gives each word of the chunk once, however many lines hold it', () => {
    expect(chunkIndexWords(body('GET /api/orders/1 200', 'GET /api/orders/2 200', null))).toEqual({ plain: 'GET api orders 1 200 2', other: '' });
  });

  it('cuts only at ASCII characters other than letters and digits; a word with any other character is left to PostgreSQL whole', () => {
    expect(chunkIndexWords(body('café-au-lait\u00A0noir_x\tÉtat 🙂ok'))).toEqual({ plain: 'au x', other: 'café lait\u00A0noir État 🙂ok' });
  });

  it('takes only the indexed part of a long line, a character pair counted once as PostgreSQL counts it', () => {
    const long = `${'🙂'.repeat(POSTGRES_INDEXED_CHARS - 3)} abcdef tail`;
    expect(chunkIndexWords(body(long)).other).toBe('🙂'.repeat(POSTGRES_INDEXED_CHARS - 3));
    expect(chunkIndexWords(body(`${'x'.repeat(POSTGRES_INDEXED_CHARS - 2)} abcdef`)).plain).toBe(`${'x'.repeat(POSTGRES_INDEXED_CHARS - 2)} a`);
  });

  it('refuses a body that is not a JSON array of lines', () => {
    expect(() => chunkIndexWords('{"a":1}')).toThrow('a log chunk body is not a JSON array');
  });
});

describe('indexedPart', () => {
  it('keeps a short text as it is and cuts a long one after POSTGRES_INDEXED_CHARS code points', () => {
    expect(indexedPart('short')).toBe('short');
    expect([...indexedPart('🙂'.repeat(POSTGRES_INDEXED_CHARS + 5))]).toHaveLength(POSTGRES_INDEXED_CHARS);
  });
});
