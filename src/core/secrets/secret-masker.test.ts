import { describe, expect, it } from 'vitest';
import { MASK, SecretMasker, maskedForms } from './secret-masker.ts';

const value = 'hunter2-top\nsecond "line"\twith tab\nthird-line';

describe('SecretMasker', () => {
  it('masks a value as it is, line by line, in base64 and JSON-escaped', () => {
    const masker = new SecretMasker([value]);
    const base64 = Buffer.from(value).toString('base64');
    const json = JSON.stringify({ v: value });
    for (const printed of [value, ...value.split('\n'), base64, base64.replace(/=+$/, ''), Buffer.from(value).toString('base64url'), json]) {
      const masked = masker.mask(`before ${printed} after`);
      expect(masked).toContain(MASK);
      for (const line of value.split('\n')) expect(masked).not.toContain(line);
      expect(masked).not.toContain(base64.replace(/=+$/, ''));
    }
    expect(masker.mask(json)).toBe(`{"v":"${MASK}"}`);
  });

  it('leaves text without a secret as it is, and masks every occurrence', () => {
    const masker = new SecretMasker(['s3cr3t-value']);
    expect(masker.mask('nothing to see')).toBe('nothing to see');
    expect(masker.mask('a s3cr3t-value b s3cr3t-value')).toBe(`a ${MASK} b ${MASK}`);
  });

  it('treats characters of regular expressions in a value as plain text', () => {
    const masker = new SecretMasker(['a.b*c(d)[e]$']);
    expect(masker.mask('x a.b*c(d)[e]$ y')).toBe(`x ${MASK} y`);
    expect(masker.mask('aXbbbcd')).toBe('aXbbbcd');
  });

  it('masks nothing when it knows no value, and what it learns or is given afterwards', () => {
    const masker = new SecretMasker();
    expect(masker.mask('token-1234')).toBe('token-1234');
    masker.add(['token-1234']);
    expect(masker.mask('token-1234')).toBe(MASK);
    masker.replace(['other-5678']);
    expect(masker.mask('token-1234 other-5678')).toBe(`token-1234 ${MASK}`);
    masker.replace([]);
    expect(masker.mask('other-5678')).toBe('other-5678');
  });

  it('does not mask forms too short to be told from ordinary words', () => {
    expect(maskedForms('long-secret\nab\n')).not.toContain('ab');
    expect(maskedForms('long-secret\nab\n')).toContain('long-secret');
  });
});
