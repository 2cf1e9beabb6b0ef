import { describe, expect, it } from 'vitest';
import { parseByteSize } from './parse-byte-size.ts';

describe('parseByteSize', () => {
  it('reads binary and decimal units in any case', () => {
    expect(parseByteSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('500MB')).toBe(500_000_000);
    expect(parseByteSize('1.5 mib')).toBe(1.5 * 1024 ** 2);
    expect(parseByteSize('1048576')).toBe(1_048_576);
    expect(parseByteSize('10b')).toBe(10);
  });

  it('refuses what is not a size', () => {
    expect(parseByteSize('big')).toBeUndefined();
    expect(parseByteSize('-1G')).toBeUndefined();
    expect(parseByteSize('2 parsecs')).toBeUndefined();
    expect(parseByteSize('')).toBeUndefined();
  });
});
