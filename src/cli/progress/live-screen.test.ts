// Redrawing a block of lines in place, checked on a small terminal model that understands the
// few ANSI sequences LiveScreen writes (cursor up, clear line, clear below).
import { describe, expect, it } from 'vitest';
import { LiveScreen } from './live-screen.ts';

/** The visible rows of a terminal after the text written to it. */
class TerminalModel {
  rows: string[] = [''];
  private row = 0;
  private col = 0;
  writes = 0;

  write(text: string): void {
    this.writes++;
    // eslint-disable-next-line no-control-regex -- the escape sequences are what this reads
    for (const [, csi, char] of text.matchAll(/\x1b\[([0-9]*[A-Za-z])|([\s\S])/g)) {
      if (csi) this.escape(csi);
      else if (char === '\n') this.moveTo(this.row + 1, 0);
      else if (char === '\r') this.col = 0;
      else {
        const line = this.rows[this.row]!.padEnd(this.col);
        this.rows[this.row] = line.slice(0, this.col) + char! + line.slice(this.col + 1);
        this.col++;
      }
    }
  }

  private escape(csi: string): void {
    const n = Number(csi.slice(0, -1) || 1);
    const code = csi.slice(-1);
    if (code === 'A') this.moveTo(this.row - n, this.col);
    else if (csi === '2K') this.rows[this.row] = '';
    else if (code === 'J') this.rows = [...this.rows.slice(0, this.row), this.rows[this.row]!.slice(0, this.col)];
    else throw new Error(`unexpected escape sequence ${csi}`);
  }

  private moveTo(row: number, col: number): void {
    if (row < 0) throw new Error('the cursor left the screen');
    this.row = row;
    this.col = col;
    while (this.rows.length <= row) this.rows.push('');
  }
}

describe('LiveScreen', () => {
  it('redraws its lines in place, and clears the ones a shorter picture no longer has', () => {
    const terminal = new TerminalModel();
    terminal.write('$ slipway deploy\n');
    const screen = new LiveScreen(terminal);
    screen.draw(['title', '  a  staging', '  b  staging']);
    screen.draw(['title', '  a  healthy', '  b  activating']);
    expect(terminal.rows).toEqual(['$ slipway deploy', 'title', '  a  healthy', '  b  activating', '']);
    screen.draw(['title', '  a  healthy']);
    expect(terminal.rows).toEqual(['$ slipway deploy', 'title', '  a  healthy', '']);
  });

  it('prints lines above the block, which stays below them', () => {
    const terminal = new TerminalModel();
    const screen = new LiveScreen(terminal);
    screen.draw(['run #1', '  build  running']);
    screen.print('→ approve with: slipway approve hello 1 --env production');
    screen.draw(['run #1', '  build  succeeded']);
    expect(terminal.rows).toEqual(['→ approve with: slipway approve hello 1 --env production', 'run #1', '  build  succeeded', '']);
  });

  it('leaves a released block on screen and draws the next one below it', () => {
    const terminal = new TerminalModel();
    const screen = new LiveScreen(terminal);
    screen.draw(['run #1 succeeded']);
    screen.release();
    screen.draw(['run #2 running']);
    screen.draw(['run #2 failed']);
    expect(terminal.rows).toEqual(['run #1 succeeded', 'run #2 failed', '']);
  });

  it('writes nothing when the picture did not change', () => {
    const terminal = new TerminalModel();
    const screen = new LiveScreen(terminal);
    screen.draw(['same']);
    screen.draw(['same']);
    expect(terminal.writes).toBe(1);
  });
});
