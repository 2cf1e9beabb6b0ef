// Which level a log line states: JSON loggers, pino's numbers, and the usual text prefixes.
import { describe, expect, it } from 'vitest';
import { parseLevel } from './parse-level.ts';

describe('parseLevel', () => {
  it('reads the level of a JSON line, as a name or as a pino number', () => {
    expect(parseLevel('{"level":"warning","msg":"disk at 91%"}')).toBe('warn');
    expect(parseLevel('{"level":30,"time":1,"msg":"listening"}')).toBe('info');
    expect(parseLevel('{"level":50,"msg":"boom"}')).toBe('error');
    expect(parseLevel('{"level":60}')).toBe('fatal');
    expect(parseLevel('{"level":10}')).toBe('trace');
    expect(parseLevel('{"level":"35"}')).toBe('info');
    expect(parseLevel('{"severity":"CRITICAL","message":"x"}')).toBe('fatal');
    expect(parseLevel('  {"lvl":"debug"}')).toBe('debug');
  });

  it('states no level for JSON without one, with an unknown one, or that does not parse', () => {
    expect(parseLevel('{"msg":"hello"}')).toBeNull();
    expect(parseLevel('{"level":"loud"}')).toBeNull();
    expect(parseLevel('{"level":5}')).toBeNull();
    expect(parseLevel('{"level": "error", broken')).toBeNull();
    expect(parseLevel('[1, 2, 3]')).toBeNull();
  });

  it('reads a leading level word in capitals, also after a timestamp', () => {
    expect(parseLevel('ERROR could not connect')).toBe('error');
    expect(parseLevel('WARN: slow query')).toBe('warn');
    expect(parseLevel('WARNING disk almost full')).toBe('warn');
    expect(parseLevel('INFO\tstarted')).toBe('info');
    expect(parseLevel('DEBUG')).toBe('debug');
    expect(parseLevel('TRACE entering f')).toBe('trace');
    expect(parseLevel('2024-05-01 12:00:00,123 ERROR payment failed')).toBe('error');
    expect(parseLevel('2024-05-01T12:00:00.123Z WARN retrying')).toBe('warn');
  });

  it('reads a level in brackets in any case, and a lowercase one before a colon', () => {
    expect(parseLevel('[ERROR] oops')).toBe('error');
    expect(parseLevel('[warn] deprecated option')).toBe('warn');
    expect(parseLevel('12:00:01 [Info] ready')).toBe('info');
    expect(parseLevel('<debug> x')).toBe('debug');
    expect(parseLevel('error: cannot find module')).toBe('error');
    expect(parseLevel('Warning: something')).toBe('warn');
    expect(parseLevel('INFO:root:hello from python')).toBe('info');
    expect(parseLevel('CRITICAL:root:gone')).toBe('fatal');
  });

  it('does not take an ordinary sentence or a word inside a line for a level', () => {
    expect(parseLevel('Info about the run follows')).toBeNull();
    expect(parseLevel('Errors were found in 3 files')).toBeNull();
    expect(parseLevel('ERRORS: 3')).toBeNull();
    expect(parseLevel('line 42 of 1000')).toBeNull();
    expect(parseLevel('the ERROR was fixed')).toBeNull();
    expect(parseLevel('')).toBeNull();
  });
});
