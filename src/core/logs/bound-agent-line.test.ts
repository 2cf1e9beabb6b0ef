import { describe, expect, it } from 'vitest';
import { MAX_CLOCK_SKEW_MS, MAX_NAME_CHARS, clampLineTime, cutName } from './bound-agent-line.ts';

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

describe('clampLineTime', () => {
  it('keeps a time within the skew, clamps one outside it, and gives whole milliseconds (an agent may send a fraction)', () => {
    expect(clampLineTime(1_000_000, 1_000_500)).toBe(1_000_000);
    expect(clampLineTime(0, 1_000_000)).toBe(1_000_000 - MAX_CLOCK_SKEW_MS);
    expect(clampLineTime(1_000_000.6, 1_000_000)).toBe(1_000_001);
  });
});
