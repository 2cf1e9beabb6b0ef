// A block of lines at the bottom of a terminal that is redrawn in place (ANSI cursor movement),
// with room for ordinary lines printed above it. The caller keeps lines within the terminal's
// width and height, so that none wraps and the cursor can always climb back to the block's top.

export interface TerminalOutput {
  write(text: string): unknown;
}

const clearLine = '\x1b[2K';
const clearBelow = '\x1b[J';

export class LiveScreen {
  /** Lines of the block now on screen (the cursor sits at the start of the line below them). */
  private drawn: string[] = [];

  constructor(private readonly out: TerminalOutput) {}

  /** Replaces the block with these lines; writes nothing when they did not change. */
  draw(lines: string[]): void {
    if (lines.length === this.drawn.length && lines.every((line, i) => line === this.drawn[i])) return;
    this.out.write(this.up() + lines.map((line) => `${clearLine}${line}\n`).join('') + clearBelow);
    this.drawn = [...lines];
  }

  /** Prints a line above the block, which is drawn again below it. */
  print(line: string): void {
    const block = this.drawn;
    this.out.write(`${this.up()}${clearBelow}${line}\n${block.map((l) => `${clearLine}${l}\n`).join('')}`);
  }

  /** Leaves the block as it is on screen: what comes next goes below it. */
  release(): void {
    this.drawn = [];
  }

  private up(): string {
    return this.drawn.length > 0 ? `\r\x1b[${this.drawn.length}A` : '';
  }
}
