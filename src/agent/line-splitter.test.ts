import { describe, expect, it } from 'vitest';
import { createLineSplitter } from './line-splitter.ts';

function split(chunks: Array<string | Buffer>, maxBytes?: number): string[] {
  const lines: string[] = [];
  const splitter = createLineSplitter((line) => lines.push(line), maxBytes);
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return lines;
}

describe('createLineSplitter', () => {
  it('emits one line per newline, whatever the chunk boundaries', () => {
    expect(split(['one\ntw', 'o\n', '\nthree\n'])).toEqual(['one', 'two', '', 'three']);
  });

  it('flushes a partial last line at the end', () => {
    expect(split(['done\nno newline'])).toEqual(['done', 'no newline']);
  });

  it('drops the carriage return of CRLF line ends', () => {
    expect(split(['windows\r\nstyle\r\n'])).toEqual(['windows', 'style']);
  });

  it('keeps a character split across two chunks whole', () => {
    const bytes = Buffer.from('héllo\n');
    expect(split([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['héllo']);
  });

  it('cuts a very long line at the limit, says so, and drops the rest of it', () => {
    const lines = split(['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10), '\nnext\n'], 16);
    expect(lines).toEqual([`${'a'.repeat(10)}${'b'.repeat(6)} … [line cut at 16 bytes]`, 'next']);
  });

  it('cuts at 16 KiB by default and never inside a UTF-8 character', () => {
    const lines = split([`a${'é'.repeat(10_000)}\nafter`]);
    expect(lines).toHaveLength(2);
    const kept = lines[0]!.replace(/ … \[line cut at 16 KiB\]$/, '');
    expect(Buffer.byteLength(kept)).toBe(16 * 1024 - 1);
    expect(kept).not.toContain('\uFFFD');
    expect(lines[1]).toBe('after');
  });

  it('keeps a line of exactly the limit whole', () => {
    expect(split(['x'.repeat(16), '\n'], 16)).toEqual(['x'.repeat(16)]);
  });
});
