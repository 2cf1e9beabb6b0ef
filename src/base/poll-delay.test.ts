import { describe, expect, it } from 'vitest';
import { pollDelay } from './poll-delay.ts';

const health = { firstMs: 5, maxMs: 200 };

/** The times of the attempts a poller makes in `totalMs`, starting with one at 0. */
function attemptTimes(totalMs: number): number[] {
  const times = [0];
  for (let at = 0; ; ) {
    at += pollDelay(at, health);
    if (at > totalMs) return times;
    times.push(at);
  }
}

describe('pollDelay', () => {
  it('asks again after the shortest wait while little time has passed', () => {
    expect(pollDelay(0, health)).toBe(5);
    expect(pollDelay(100, health)).toBe(5);
  });

  it('then waits a twentieth of the time waited so far', () => {
    expect(pollDelay(300, health)).toBe(15);
    expect(pollDelay(1_000, health)).toBe(50);
  });

  it('never waits longer than the longest wait', () => {
    expect(pollDelay(4_000, health)).toBe(200);
    expect(pollDelay(60_000, health)).toBe(200);
  });

  it('treats a clock that went backwards as no time passed', () => {
    expect(pollDelay(-500, health)).toBe(5);
  });

  it('sees an app that is up after 300 ms within a twentieth of that, with a few dozen attempts', () => {
    const times = attemptTimes(400);
    const seenAt = times.find((t) => t >= 300)!;
    expect(seenAt - 300).toBeLessThanOrEqual(15);
    expect(times.length).toBeLessThan(60);
  });

  it('asks a slow app about five times a second once the wait is long', () => {
    const times = attemptTimes(20_000);
    const lastSecond = times.filter((t) => t > 19_000);
    expect(lastSecond).toHaveLength(5);
  });
});
