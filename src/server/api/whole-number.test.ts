import { describe, expect, it } from 'vitest';
import { parseWholeNumber, wholeNumberParameter } from './whole-number.ts';

describe('parseWholeNumber', () => {
  it('reads decimal digits up to 2^53 - 1', () => {
    expect(parseWholeNumber('0')).toBe(0);
    expect(parseWholeNumber(' 42 ')).toBe(42);
    expect(parseWholeNumber(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses what a bigint column would refuse or JavaScript would round', () => {
    for (const text of ['', '-1', '1.5', '1e3', '1e30', '0x10', 'abc', '9007199254740992', '99999999999999999999', 'Infinity', 'NaN']) {
      expect(parseWholeNumber(text), text).toBeUndefined();
    }
  });
});

describe('wholeNumberParameter', () => {
  it('says what it expected', () => {
    const parsed = wholeNumberParameter('an id').safeParse('1e30');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('expected an id: a whole number from 0 to 9007199254740991');
    expect(wholeNumberParameter('an id').parse('7')).toBe(7);
  });
});
