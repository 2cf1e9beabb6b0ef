// terminate() against a stand-in for a process: signals recorded, `alive` under the test's control.
import { describe, expect, it } from 'vitest';
import { terminate } from './terminate.ts';

describe('terminate', () => {
  it('sends SIGTERM and is done as soon as the process is gone, without SIGKILL', async () => {
    const signals: string[] = [];
    let alive = true;
    setTimeout(() => (alive = false), 30);
    const started = Date.now();
    const result = await terminate({ signal: (s) => signals.push(s), alive: () => alive, timeoutMs: 5_000 });
    expect(result).toEqual({ stopped: true, forced: false });
    expect(signals).toEqual(['SIGTERM']);
    // The first questions come 1 ms apart: not a whole 25 ms interval late.
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('asks again at once when woken, instead of waiting out a pause grown long', async () => {
    const started = Date.now();
    let gone = false;
    let goneAt = 0;
    let wakeUp = () => undefined as void;
    const wake = new Promise<void>((resolve) => (wakeUp = resolve));
    // After 2 s the pauses have grown to 100 ms (a twentieth of the wait): the process goes just
    // after a question, so without the wake-up it would be seen gone about 100 ms late.
    const alive = () => {
      if (!goneAt && Date.now() - started >= 2_000) {
        goneAt = -1;
        setTimeout(() => {
          gone = true;
          goneAt = Date.now();
          wakeUp();
        }, 5);
      }
      return !gone;
    };
    const result = await terminate({ signal: () => undefined, alive, timeoutMs: 10_000, pollMs: 10_000, wake });
    expect(result).toEqual({ stopped: true, forced: false });
    expect(Date.now() - goneAt).toBeLessThan(60);
  });

  it('sends SIGKILL after the grace period to what ignores SIGTERM', async () => {
    const signals: string[] = [];
    const result = await terminate({ signal: (s) => signals.push(s), alive: () => !signals.includes('SIGKILL'), timeoutMs: 100 });
    expect(result).toEqual({ stopped: true, forced: true });
    expect(signals).toEqual(['SIGTERM', 'SIGKILL']);
  });
});
