import { describe, expect, it } from 'vitest';
import type { LogLine } from '../model.ts';
import { matchesLogFilter, matchesLogQuery } from './log-filter.ts';
import { parseLogQuery } from './parse-log-query.ts';

const line: LogLine = {
  id: 7, at: 1000, source: 'agent-1', seq: 3, host: 'web-1', app: 'hello', env: 'production', stream: 'app',
  level: 'error', runId: 'r1', deploymentId: 'd1', text: 'ERROR connection refused by db-2:5432 (user_id=42) -> retrying',
};
const matches = (q: string) => matchesLogQuery(parseLogQuery(q), line.text);

describe('matchesLogQuery', () => {
  it('matches when every word is in the line, in any case and order', () => {
    expect(matches('refused CONNECTION')).toBe(true);
    expect(matches('refused timeout')).toBe(false);
  });

  it('matches a phrase only as words in a row', () => {
    expect(matches('"connection refused"')).toBe(true);
    expect(matches('"refused connection"')).toBe(false);
    expect(matches('user_id=42')).toBe(true);
  });

  it('matches a prefix of a word, and only whole words without a star', () => {
    expect(matches('retr*')).toBe(true);
    expect(matches('retr')).toBe(false);
    expect(matches('"by db"*')).toBe(true);
  });

  it('matches a literal as written', () => {
    expect(matches('->')).toBe(true);
    expect(matches('=>')).toBe(false);
  });

  it('matches everything with an empty query', () => {
    expect(matches('')).toBe(true);
  });
});

describe('matchesLogFilter', () => {
  it('matches when every field given is equal', () => {
    expect(matchesLogFilter({ host: 'web-1', app: 'hello', env: 'production', stream: 'app', runId: 'r1', deploymentId: 'd1' }, line)).toBe(true);
    expect(matchesLogFilter({ host: 'web-2' }, line)).toBe(false);
    expect(matchesLogFilter({ deploymentId: 'd2' }, line)).toBe(false);
  });

  it('matches any of the levels given, never a line without a level', () => {
    expect(matchesLogFilter({ levels: ['warn', 'error'] }, line)).toBe(true);
    expect(matchesLogFilter({ levels: ['info'] }, line)).toBe(false);
    expect(matchesLogFilter({ levels: ['info'] }, { ...line, level: null })).toBe(false);
  });

  it('keeps times from since up to, not including, until', () => {
    expect(matchesLogFilter({ since: 1000, until: 1001 }, line)).toBe(true);
    expect(matchesLogFilter({ since: 1001 }, line)).toBe(false);
    expect(matchesLogFilter({ until: 1000 }, line)).toBe(false);
  });

  it('applies the query to the text', () => {
    expect(matchesLogFilter({ host: 'web-1', query: parseLogQuery('refused') }, line)).toBe(true);
    expect(matchesLogFilter({ host: 'web-1', query: parseLogQuery('accepted') }, line)).toBe(false);
  });
});
