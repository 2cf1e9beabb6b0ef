// Where progress goes: bars redrawn in place on a terminal (colours unless NO_COLOR), plain lines
// one per change anywhere else (a pipe, a file, TERM=dumb).
import { LiveScreen } from './live-screen.ts';
import { PlainProgress } from './plain-progress.ts';
import type { ProgressState } from './progress-state.ts';
import { renderProgress } from './render-progress.ts';

export interface ProgressView {
  /** Shows the state (on a terminal: replaces what the view showed before). */
  show(state: ProgressState): void;
  /** A line of its own, above the progress (a hint, a notice). */
  say(line: string): void;
  /** The state shown last is final: it stays as it is, and the next show starts below it. */
  finish(): void;
}

/** The part of process.stdout a view uses. */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  write(text: string): unknown;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

/** A view for `out`: live bars when it is a terminal, plain lines otherwise. */
export function createProgressView(out: ProgressOutput, env: NodeJS.ProcessEnv, now: () => number = Date.now): ProgressView {
  if (!out.isTTY || env.TERM === 'dumb') {
    const plain = new PlainProgress((line) => out.write(`${line}\n`));
    return { show: (state) => plain.show(state), say: (line) => out.write(`${line}\n`), finish: () => undefined };
  }
  return new LiveProgress(out, !env.NO_COLOR, now);
}

/** Bars on a terminal, redrawn on each state, on resize, and a few times a second for clocks and busy bars. */
class LiveProgress implements ProgressView {
  private readonly screen: LiveScreen;
  private state: ProgressState | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private readonly redraw = () => {
    if (!this.state) return;
    this.screen.draw(renderProgress(this.state, {
      width: Math.max(20, (this.out.columns || 80) - 1),
      height: Math.max(3, (this.out.rows || 24) - 1),
      color: this.color,
      now: this.now(),
    }));
  };

  constructor(private readonly out: ProgressOutput, private readonly color: boolean, private readonly now: () => number) {
    this.screen = new LiveScreen(out);
  }

  show(state: ProgressState): void {
    if (!this.ticker) {
      this.ticker = setInterval(this.redraw, 250);
      this.ticker.unref();
      this.out.on('resize', this.redraw);
    }
    this.state = state;
    this.redraw();
  }

  say(line: string): void {
    this.screen.print(line);
  }

  finish(): void {
    this.redraw();
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.out.off('resize', this.redraw);
    this.screen.release();
    this.state = undefined;
  }
}
