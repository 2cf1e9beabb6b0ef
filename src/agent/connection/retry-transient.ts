// Trying a transfer with the server again while the failure is one that a server restart or a
// network blip explains (the connection refused or cut, a 502/503/504), for a bounded time. A
// failure that says something about the request itself (401, 404, a sha256 mismatch) is final.
import { setTimeout as sleep } from 'node:timers/promises';

export type AttemptOutcome<T> = T | { ok: false; error: string; transient: boolean };

export interface RetryOptions {
  /** How long to keep trying, from the first attempt. */
  forMs: number;
  signal?: AbortSignal;
  /** The first wait; each next one doubles, up to 5 s. */
  firstDelayMs?: number;
}

/** Runs `attempt` until it succeeds, fails for good, the time is up or `signal` aborts. */
export async function retryTransient<T extends { ok: true }>(
  attempt: () => Promise<AttemptOutcome<T>>,
  options: RetryOptions,
): Promise<T | { ok: false; error: string }> {
  const deadline = Date.now() + options.forMs;
  for (let delay = options.firstDelayMs ?? 250; ; delay = Math.min(delay * 2, 5000)) {
    const outcome = await attempt();
    if (outcome.ok) return outcome;
    if (!outcome.transient || options.signal?.aborted || Date.now() + delay > deadline) return { ok: false, error: outcome.error };
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      return { ok: false, error: outcome.error };
    }
  }
}

/** Whether fetch failed before an answer for a reason that may pass (not a cancellation). */
export function isTransientFetchError(err: unknown): boolean {
  return !(err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'));
}

export function isTransientStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}
