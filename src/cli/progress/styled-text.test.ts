// Measuring and cutting terminal text by columns, and cleaning what a server or an app wrote.
import { describe, expect, it } from 'vitest';
import { cleanText, fitLine, lineWidth, textWidth, toTerminal } from './styled-text.ts';

describe('styled text', () => {
  it('counts wide characters as two columns and combining marks as none', () => {
    expect(textWidth('abc')).toBe(3);
    expect(textWidth('日本')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('█░✓')).toBe(3);
  });

  it('cuts a line to the width with an ellipsis, across spans and never through a wide character', () => {
    const line = [{ text: 'web-1 ' }, { text: 'healthy', style: 'green' as const }];
    expect(fitLine(line, 20)).toBe(line);
    expect(toTerminal(fitLine(line, 10), false)).toBe('web-1 hea…');
    expect(toTerminal(fitLine(line, 10), true)).toBe('web-1 \x1b[32mhea…\x1b[0m');
    const wide = fitLine([{ text: '日本語のログ' }], 6);
    expect(lineWidth(wide)).toBeLessThanOrEqual(6);
    expect(toTerminal(wide, false)).toBe('日本…');
  });

  it('removes colour codes, cursor movement and other control characters, and turns tabs into spaces', () => {
    expect(cleanText('\x1b[1;31mERROR\x1b[0m\tdisk full\r\x1b[2K\x1b]0;title\x07\x00!')).toBe('ERROR  disk full!');
  });
});
