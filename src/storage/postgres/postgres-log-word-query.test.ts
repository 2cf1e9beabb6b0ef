// The byte-exact lookups of a search's words in PostgreSQL: the tsquery of the server's words, and
// the strings a line must contain, which must never turn away a line that holds the words.
import { describe, expect, it } from 'vitest';
import { logTokens, lowerWord } from '../../core/logs/log-tokens.ts';
import { parseLogQuery, type LogQueryTerm } from '../../core/logs/parse-log-query.ts';
import { MAX_LEXEME_CHARS } from './postgres-log-index-words.ts';
import { FOLD_EXCEPTIONS, chunkWordsQuery, foundFolded, lineNeedles, mayComeFromException, termPattern } from './postgres-log-word-query.ts';

type WordTerm = Extract<LogQueryTerm, { kind: 'tokens' }>;
const words = (q: string) => parseLogQuery(q).terms.filter((t): t is WordTerm => t.kind === 'tokens');

/** lower(text COLLATE "C") as PostgreSQL computes it: ASCII capitals only. */
function fold(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Whether `line` passes the check of a folded needle. */
function passes(line: string, needle: string): boolean {
  return (mayComeFromException(needle) && FOLD_EXCEPTIONS.some((c) => line.includes(c))) || fold(line).includes(needle);
}

const NOT_WORD = '[^abcdefghijklmnopqrstuvwxyz0123456789]+';

describe('chunkWordsQuery', () => {
  it('quotes each word as the server made it, a prefix term\'s last word with :*', () => {
    expect(chunkWordsQuery(words('ÉCOLE "naïve start"* 北京'))).toBe("'école' & 'naïve' & 'start':* & '北京'");
  });

  it('looks a word longer than the index holds up by its first MAX_LEXEME_CHARS characters as a prefix', () => {
    expect(chunkWordsQuery(words('x'.repeat(MAX_LEXEME_CHARS + 1)))).toBe(`'${'x'.repeat(MAX_LEXEME_CHARS)}':*`);
  });
});

describe('lineNeedles', () => {
  it('asks for the runs of each word found as they are, folded where they hold ASCII letters', () => {
    expect(lineNeedles(words('naïve ÉCOLE 北京 42'))).toEqual({ raw: ['北京', '42'], folded: ['na', 've', 'cole'], patterns: ['na[ïÏ]ve', '[éÉ]cole'] });
  });

  it('leaves out a run inside another, and asks nothing for a word with no such run', () => {
    expect(lineNeedles(words('disk "disk full" ïé'))).toEqual({ raw: [], folded: ['disk', 'full'], patterns: [`dis[k\u212A]${NOT_WORD}full`, '[ïÏ][éÉ]'] });
  });

  it('asks for a phrase\'s words in a row, each character as the characters that lowercase to it', () => {
    expect(lineNeedles(words('"naïve école started"')).patterns).toEqual([`na[ïÏ]ve${NOT_WORD}[éÉ]cole${NOT_WORD}started`]);
    expect(termPattern(['i\u0307stanbul', 'σίσυφοσ', 'ǆ'])).toBe(`(?:i\u0307|\u0130)stanbul${NOT_WORD}[σΣς][ίΊ][σΣς][υΥ][φΦ][οΟ][σΣς]${NOT_WORD}[ǆǄǅ]`);
  });

  it('finds its strings in every line that holds the words, however the line writes their case', () => {
    const lines = ['NAÏVE École', 'İSTANBUL İK', '\u212AELVIN\u212A-K', 'ΣΊΣΥΦΟΣ σίσυφος', 'ǅungla', 'STRASSE ẞ', 'Ⅻ ⓐ', 'ＡＢＣ', 'Ǆ', 'GET /API/v1 x_Y', 'a\u00A0B\u200BC 🙂D'];
    for (const line of lines) {
      const tokens = logTokens(line);
      tokens.forEach((word, i) => {
        const phrase = tokens.slice(i, i + 3);
        const needles = lineNeedles([{ kind: 'tokens', tokens: phrase, prefix: false }]);
        for (const raw of needles.raw) expect(line, word).toContain(raw);
        for (const f of needles.folded) expect(passes(line, f), `${line}: ${f}`).toBe(true);
        for (const pattern of needles.patterns) expect(fold(line), pattern).toMatch(new RegExp(pattern, 'u'));
      });
    }
  });
});

describe('foundFolded', () => {
  it('holds for a character only when every character whose lowercase begins with it folds to it, or is a fold exception, over every code point', () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCodePoint(code);
      const lower = [...lowerWord(c)];
      // Only the first character of a lowercase may be found, and then the rest must not: a run
      // of found characters then maps to the line's characters one to one.
      lower.forEach((l, i) => {
        if (!foundFolded(l) || (i === 0 && l === fold(c))) return;
        if (i === 0 && (FOLD_EXCEPTIONS as readonly string[]).includes(c) && mayComeFromException(l)) return;
        wrong.push(`U+${code.toString(16)} → ${l}`);
      });
    }
    expect(wrong).toEqual([]);
  });
});

describe('termPattern', () => {
  it('matches the folded form of every character whose lowercase is a word, over every code point', () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCodePoint(code);
      const lower = lowerWord(c);
      if (!/^[\p{L}\p{N}\p{M}]+$/u.test(lower)) continue;
      // A line's token is its characters one after another; each must match its own lowercase's pattern.
      if (!new RegExp(`^(?:${termPattern([lower])})$`, 'u').test(fold(c))) wrong.push(`U+${code.toString(16)} → ${lower}`);
      if ([...lower].length > 1 && c !== '\u0130') wrong.push(`U+${code.toString(16)} lowercases to ${lower}`);
    }
    expect(wrong).toEqual([]);
  });
});
