// Tests of retryTransient: a transient failure is tried again, a final one is not, and time is bounded.
import { describe, expect, it } from 'vitest';
import { retryTransient, type AttemptOutcome } from './retry-transient.ts';

type Done = { ok: true; value: number };

function attempts(outcomes: AttemptOutcome<Done>[]) {
  let calls = 0;
  const attempt = () => Promise.resolve(outcomes[Math.min(calls++, outcomes.length - 1)]!);
  return { attempt, calls: () => calls };
}

const cut = { ok: false as const, error: 'connection reset', transient: true };

describe('retryTransient', () => {
  it('tries again after transient failures until the attempt succeeds', async () => {
    const a = attempts([cut, cut, { ok: true, value: 7 }]);
    expect(await retryTransient(a.attempt, { forMs: 5000, firstDelayMs: 1 })).toEqual({ ok: true, value: 7 });
    expect(a.calls()).toBe(3);
  });

  it('gives up at once on a final failure, with its error', async () => {
    const a = attempts([{ ok: false, error: 'HTTP 404', transient: false }, { ok: true, value: 1 }]);
    expect(await retryTransient(a.attempt, { forMs: 5000, firstDelayMs: 1 })).toEqual({ ok: false, error: 'HTTP 404' });
    expect(a.calls()).toBe(1);
  });

  it('gives up with the last error once the time is up', async () => {
    const a = attempts([cut]);
    const started = Date.now();
    expect(await retryTransient(a.attempt, { forMs: 100, firstDelayMs: 10 })).toEqual({ ok: false, error: 'connection reset' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(a.calls()).toBeGreaterThan(1);
  });

  it('stops waiting when its signal aborts', async () => {
    const a = attempts([cut]);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);
    expect(await retryTransient(a.attempt, { forMs: 60_000, firstDelayMs: 5000, signal: abort.signal })).toEqual({ ok: false, error: 'connection reset' });
  });
});
