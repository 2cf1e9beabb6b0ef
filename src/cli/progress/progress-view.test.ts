// Which view stdout gets: bars redrawn in place on a terminal, coloured unless NO_COLOR; plain
// lines on a pipe or a dumb terminal.
import { describe, expect, it } from 'vitest';
import { deployment, host, t0 } from './progress-fixtures.ts';
import type { ProgressState } from './progress-state.ts';
import { createProgressView, type ProgressOutput } from './progress-view.ts';

class Output implements ProgressOutput {
  text = '';
  listeners = 0;
  constructor(readonly isTTY: boolean, readonly columns = 100, readonly rows = 30) {}
  write(text: string) {
    this.text += text;
  }
  on() {
    this.listeners++;
  }
  off() {
    this.listeners--;
  }
}

const state = (step: 'activating' | 'healthy'): ProgressState => ({
  kind: 'deployment', project: 'hello', deployment: deployment('testing', step === 'healthy' ? 'succeeded' : 'activating', [host('testing-1', step)], { finishedAt: step === 'healthy' ? t0 : null }),
});

describe('createProgressView', () => {
  it('draws coloured bars on a terminal and redraws them in place', () => {
    const out = new Output(true);
    const view = createProgressView(out, {}, () => t0);
    view.show(state('activating'));
    view.show(state('healthy'));
    view.finish();
    expect(out.text).toContain('\x1b[32m✓ healthy\x1b[0m');
    expect(out.text).toContain('\x1b[2A'); // back up over the title and the host
    expect(out.listeners).toBe(0);
  });

  it('draws the bars without any colour when NO_COLOR is set', () => {
    const out = new Output(true);
    const view = createProgressView(out, { NO_COLOR: '1' }, () => t0);
    view.show(state('healthy'));
    view.finish();
    expect(out.text).toContain('testing-1');
    expect(out.text).toContain('█');
    const sgrCodes = out.text.split('\x1b[').slice(1).filter((sequence) => /^[0-9;]*m/.test(sequence));
    expect(sgrCodes).toEqual([]);
  });

  it('writes plain lines, one per change, when stdout is not a terminal or the terminal is dumb', () => {
    for (const [out, env] of [[new Output(false), {}], [new Output(true), { TERM: 'dumb' }]] as const) {
      const view = createProgressView(out, env, () => t0);
      view.show(state('activating'));
      view.show(state('healthy'));
      view.say('a note');
      expect(out.text).toBe([
        '  testing: deploy of 2-bbbbbbb activating',
        '    testing-1        activating',
        '    testing-1        healthy',
        '  testing: deploy of 2-bbbbbbb succeeded',
        'a note',
        '',
      ].join('\n'));
    }
  });
});
