import { describe, expect, it } from 'vitest';
import { formatDuration, formatLimit, parseDuration } from './duration.ts';

describe('durations', () => {
  it('parses what people write in slipway.yml', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('20s')).toBe(20_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('20 seconds')).toBeUndefined();
    expect(parseDuration('-1s')).toBeUndefined();
  });

  it('is no duration when it has more digits than a number of milliseconds can hold', () => {
    expect(parseDuration(`${'9'.repeat(400)}d`)).toBeUndefined();
    expect(parseDuration('104249991374d')).toBeUndefined();
    expect(parseDuration('104249991d')).toBe(104_249_991 * 86_400_000);
  });

  it('formats a measured time for a person to read', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_340)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4m05s');
  });

  it('writes a limit in whole minutes, hours or seconds the way slipway.yml does', () => {
    expect(formatLimit(600_000)).toBe('10m');
    expect(formatLimit(7_200_000)).toBe('2h');
    expect(formatLimit(90_000)).toBe('90s');
    expect(formatLimit(500)).toBe('500ms');
    expect(formatLimit(1500)).toBe('1.5s');
  });
});
