import { describe, expect, it } from 'vitest';
import { colour256, parseAnsi, stripAnsi } from './ansi.ts';

const ESC = '\u001b';

describe('parseAnsi', () => {
  it('gives plain text as one unstyled segment', () => {
    expect(parseAnsi('hello world')).toEqual([{ text: 'hello world', style: {} }]);
  });

  it('gives nothing for an empty line', () => {
    expect(parseAnsi('')).toEqual([]);
  });

  it('colours text with the 16 palette colours, bright ones as 8–15', () => {
    expect(parseAnsi(`${ESC}[31merror${ESC}[0m done ${ESC}[92mok${ESC}[39m`)).toEqual([
      { text: 'error', style: { fg: 'p1' } },
      { text: ' done ', style: {} },
      { text: 'ok', style: { fg: 'p10' } },
    ]);
  });

  it('combines bold, underline and a background in one sequence and resets them one by one', () => {
    expect(parseAnsi(`${ESC}[1;4;44mA${ESC}[22mB${ESC}[24;49mC`)).toEqual([
      { text: 'A', style: { bold: true, underline: true, bg: 'p4' } },
      { text: 'B', style: { underline: true, bg: 'p4' } },
      { text: 'C', style: {} },
    ]);
  });

  it('treats ESC[m as a reset', () => {
    expect(parseAnsi(`${ESC}[33mwarn${ESC}[m plain`)).toEqual([
      { text: 'warn', style: { fg: 'p3' } },
      { text: ' plain', style: {} },
    ]);
  });

  it('reads 256-colour and true-colour codes, with ; or : separators', () => {
    expect(parseAnsi(`${ESC}[38;5;196mred${ESC}[48;2;10;20;30mbg${ESC}[38:5:2mgreen`)).toEqual([
      { text: 'red', style: { fg: 'rgb(255, 0, 0)' } },
      { text: 'bg', style: { fg: 'rgb(255, 0, 0)', bg: 'rgb(10, 20, 30)' } },
      { text: 'green', style: { fg: 'p2', bg: 'rgb(10, 20, 30)' } },
    ]);
  });

  it('keeps codes after an extended colour in the same sequence', () => {
    expect(parseAnsi(`${ESC}[38;5;21;1mX`)).toEqual([{ text: 'X', style: { fg: 'rgb(0, 0, 255)', bold: true } }]);
  });

  it('drops cursor moves, erases, window titles and stray control characters but keeps tabs', () => {
    expect(parseAnsi(`${ESC}[2K${ESC}[1Gprogress${ESC}]0;title\u0007 50%\r\tend\u0008`)).toEqual([{ text: 'progress 50%\tend', style: {} }]);
  });

  it('ignores unknown SGR codes without losing the current style', () => {
    expect(parseAnsi(`${ESC}[32m${ESC}[73mstill green`)).toEqual([{ text: 'still green', style: { fg: 'p2' } }]);
  });

  it('merges neighbouring text of the same style', () => {
    expect(parseAnsi(`a${ESC}[0mb${ESC}[31m${ESC}[31mc${ESC}[31md`)).toEqual([
      { text: 'ab', style: {} },
      { text: 'cd', style: { fg: 'p1' } },
    ]);
  });

  it('leaves HTML alone: it is text like any other', () => {
    expect(parseAnsi(`${ESC}[31m<img src=x onerror=alert(1)>${ESC}[0m`)).toEqual([{ text: '<img src=x onerror=alert(1)>', style: { fg: 'p1' } }]);
  });

  it('shows an escape sequence cut short as nothing rather than garbage', () => {
    expect(parseAnsi(`text${ESC}`)).toEqual([{ text: 'text', style: {} }]);
  });
});

describe('stripAnsi', () => {
  it('removes every escape sequence', () => {
    expect(stripAnsi(`${ESC}[1;31mERROR${ESC}[0m disk full`)).toBe('ERROR disk full');
  });
});

describe('colour256', () => {
  it('maps the palette, the colour cube and the greys as xterm does', () => {
    expect(colour256(9)).toBe('p9');
    expect(colour256(16)).toBe('rgb(0, 0, 0)');
    expect(colour256(231)).toBe('rgb(255, 255, 255)');
    expect(colour256(232)).toBe('rgb(8, 8, 8)');
    expect(colour256(255)).toBe('rgb(238, 238, 238)');
  });
});
