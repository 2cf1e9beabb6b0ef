// Stops processes the way operators expect: SIGTERM, a grace period, then SIGKILL.
import { pollDelay } from '../../base/poll-delay.ts';

export interface TerminateRequest {
  /** Sends a signal to whatever is being stopped (a process group, a list of pids). */
  signal: (signal: NodeJS.Signals) => void;
  /** True while anything being stopped is still running. */
  alive: () => boolean;
  /** Grace period after SIGTERM before SIGKILL. */
  timeoutMs: number;
  /** The longest pause between two questions to `alive` (default 25 ms); the first are 1 ms apart (pollDelay). */
  pollMs?: number;
  /** Settles when what is stopped may be gone (its leader exited): `alive` is asked again at once. */
  wake?: Promise<unknown>;
}

/**
 * Sends SIGTERM, waits up to `timeoutMs` for `alive()` to turn false, then sends SIGKILL and waits
 * up to 5 s more. Resolves `{ stopped, forced }`: stopped is false only if something survived even
 * SIGKILL (e.g. a process stuck in the kernel); forced says SIGKILL was needed.
 */
export async function terminate(req: TerminateRequest): Promise<{ stopped: boolean; forced: boolean }> {
  const pollMs = req.pollMs ?? 25;
  if (!req.alive()) return { stopped: true, forced: false };
  req.signal('SIGTERM');
  if (await waitUntilGone(req.alive, req.timeoutMs, pollMs, req.wake)) return { stopped: true, forced: false };
  req.signal('SIGKILL');
  return { stopped: await waitUntilGone(req.alive, 5_000, pollMs, req.wake), forced: true };
}

/**
 * Most apps are gone a few ms after SIGTERM: asking every 25 ms from the start made each stop
 * (and so each activation) wait up to 25 ms longer than the app took.
 */
async function waitUntilGone(alive: () => boolean, timeoutMs: number, pollMs: number, wake: Promise<unknown> | undefined): Promise<boolean> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const schedule = { firstMs: Math.min(1, pollMs), maxMs: pollMs };
  let woken = false;
  void wake?.finally(() => (woken = true));
  while (alive()) {
    if (Date.now() >= deadline) return false;
    let timer: NodeJS.Timeout | undefined;
    const pause = new Promise((resolve) => (timer = setTimeout(resolve, pollDelay(Date.now() - started, schedule))));
    await (wake && !woken ? Promise.race([pause, wake]) : pause);
    clearTimeout(timer);
  }
  return true;
}
