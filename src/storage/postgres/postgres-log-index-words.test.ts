// The words the server hands PostgreSQL's index for a chunk: each distinct word once, as logTokens
// reads each line's indexed part, lowercased, a very long word cut.
import { describe, expect, it } from 'vitest';
import { logTokens } from '../../core/logs/log-tokens.ts';
import { POSTGRES_INDEXED_CHARS } from '../migrations/002-log-search.ts';
import { MAX_LEXEME_CHARS, chunkIndexWords, indexedPart, lexeme } from './postgres-log-index-words.ts';
import { mixedText } from './mixed-text-fixture.ts';

/** A chunk body holding lines with these texts (a null stands for a line retention removed). */
function body(...texts: (string | null)[]): string {
  return JSON.stringify(texts.map((text) => (text === null ? null : [1, 1, 'web-1', null, null, 'app', null, null, null, text])));
}

describe('chunkIndexWords', () => {
  it('gives each word of the chunk once, lowercased, however many lines hold it', () => {
    expect(chunkIndexWords(body('GET /api/orders/1 200', 'get /API/orders/2 200', null))).toEqual(['get', 'api', 'orders', '1', '200', '2']);
  });

  it('reads words as logTokens does, in any script: letters, digits and marks, lowercased', () => {
    const text = 'café-au-lait\u00A0noir_x\tÉtat 🙂ok naïve ÉCOLE ΣΊΣΥΦΟΣ İstanbul e\u0301te 北京 ٣٤ \u212Aelvin';
    expect(new Set(chunkIndexWords(body(text)))).toEqual(new Set(logTokens(text)));
    expect(chunkIndexWords(body(text))).toContain('école');
  });

  it('gives the same words as logTokens over every line, for lines of mixed characters', () => {
    const texts = Array.from({ length: 300 }, (_, i) => mixedText(i));
    expect(new Set(chunkIndexWords(body(...texts)))).toEqual(new Set(texts.flatMap((t) => logTokens(t))));
  });

  it('takes only the indexed part of a long line, a character pair counted once as PostgreSQL counts it', () => {
    const long = `${'🙂x'.repeat((POSTGRES_INDEXED_CHARS - 2) / 2)}a abcdef tail`;
    expect(chunkIndexWords(body(long))).toEqual(['x', 'xa']);
  });

  it('cuts a word longer than MAX_LEXEME_CHARS to its first MAX_LEXEME_CHARS characters', () => {
    expect(new Set(chunkIndexWords(body(`${'Ж'.repeat(MAX_LEXEME_CHARS + 10)} ok`)))).toEqual(new Set(['ж'.repeat(MAX_LEXEME_CHARS), 'ok']));
    expect(lexeme('𝒜'.repeat(MAX_LEXEME_CHARS + 1))).toBe('𝒜'.repeat(MAX_LEXEME_CHARS));
    expect(lexeme('short')).toBe('short');
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
