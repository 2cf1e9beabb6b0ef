import { describe, expect, it } from 'vitest';
import { MAX_NAME_CHARS, cutName } from './bound-agent-line.ts';

describe('cutName', () => {
  it('keeps a name up to MAX_NAME_CHARS and cuts a longer one there', () => {
    expect(cutName('a'.repeat(MAX_NAME_CHARS))).toBe('a'.repeat(MAX_NAME_CHARS));
    expect(cutName('a'.repeat(MAX_NAME_CHARS + 5))).toBe('a'.repeat(MAX_NAME_CHARS));
    expect(cutName(null)).toBeNull();
  });

  it('never keeps half a surrogate pair: a character that straddles the cut goes whole', () => {
    const name = `${'a'.repeat(MAX_NAME_CHARS - 1)}😀tail`;
    expect(cutName(name)).toBe('a'.repeat(MAX_NAME_CHARS - 1));
    expect(cutName(`${'a'.repeat(MAX_NAME_CHARS - 2)}😀tail`)).toBe(`${'a'.repeat(MAX_NAME_CHARS - 2)}😀`);
  });
});
