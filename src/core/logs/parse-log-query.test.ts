import { describe, expect, it } from 'vitest';
import { logTokens } from './log-tokens.ts';
import { parseLogQuery } from './parse-log-query.ts';

const words = (...tokens: string[]) => ({ kind: 'tokens', tokens, prefix: false });
const prefix = (...tokens: string[]) => ({ kind: 'tokens', tokens, prefix: true });
const literal = (text: string) => ({ kind: 'literal', text });

describe('logTokens', () => {
  it('splits text into lowercased runs of letters and digits', () => {
    expect(logTokens('GET /api/v1/users?id=42 took 3.5ms')).toEqual(['get', 'api', 'v1', 'users', 'id', '42', 'took', '3', '5ms']);
  });

  it('keeps letters of any script and folds their case', () => {
    expect(logTokens('Ünïcode ΣΑΣ naïve 北京 café')).toEqual(['ünïcode', 'σασ', 'naïve', '北京', 'café']);
  });

  it('reads Σ and the final sigma ς both as σ, as SQLite\'s index folds them', () => {
    expect(logTokens('ΣΊΣΥΦΟΣ σίσυφος')).toEqual(['σίσυφοσ', 'σίσυφοσ']);
  });

  it('finds no words in punctuation', () => {
    expect(logTokens('--> == ***')).toEqual([]);
  });
});

describe('parseLogQuery', () => {
  it('reads words that must all match, in any case', () => {
    expect(parseLogQuery('Connection  REFUSED').terms).toEqual([words('connection'), words('refused')]);
  });

  it('reads a quoted phrase as words in a row', () => {
    expect(parseLogQuery('"connection refused" db').terms).toEqual([words('connection', 'refused'), words('db')]);
  });

  it('reads a trailing star as a prefix of the last word, also after a phrase', () => {
    expect(parseLogQuery('deploy* "health che"*').terms).toEqual([prefix('deploy'), prefix('health', 'che')]);
  });

  it('reads a word the tokenizer splits as a phrase of its parts', () => {
    expect(parseLogQuery('user_id=42').terms).toEqual([words('user', 'id', '42')]);
  });

  it('keeps text without letters or digits as a literal to find as written', () => {
    expect(parseLogQuery('-> ==').terms).toEqual([literal('->'), literal('==')]);
  });

  it('treats an unbalanced quote as plain words', () => {
    expect(parseLogQuery('"connection refused').terms).toEqual([words('connection'), words('refused')]);
    expect(parseLogQuery('a "b c" "d').terms).toEqual([words('a'), words('b', 'c'), words('d')]);
  });

  it('treats FTS and tsquery operators as plain words or separators', () => {
    expect(parseLogQuery('error OR NOT warn AND NEAR(a b) -x ^y col:z a&b !c').terms).toEqual([
      words('error'), words('or'), words('not'), words('warn'), words('and'), words('near', 'a'), words('b'),
      words('x'), words('y'), words('col', 'z'), words('a', 'b'), words('c'),
    ]);
  });

  it('drops a lone star, empty quotes and blank input', () => {
    expect(parseLogQuery('* "" **').terms).toEqual([]);
    expect(parseLogQuery('   ').terms).toEqual([]);
    expect(parseLogQuery('').terms).toEqual([]);
  });

  it('stops after 32 terms', () => {
    expect(parseLogQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')).terms).toHaveLength(32);
  });
});
