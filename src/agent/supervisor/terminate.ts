// Stops processes the way operators expect: SIGTERM, a grace period, then SIGKILL.

export interface TerminateRequest {
  /** Sends a signal to whatever is being stopped (a process group, a list of pids). */
  signal: (signal: NodeJS.Signals) => void;
  /** True while anything being stopped is still running. */
  alive: () => boolean;
  /** Grace period after SIGTERM before SIGKILL. */
  timeoutMs: number;
  /** How often `alive` is asked (default 25 ms). */
  pollMs?: number;
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
  if (await waitUntilGone(req.alive, req.timeoutMs, pollMs)) return { stopped: true, forced: false };
  req.signal('SIGKILL');
  return { stopped: await waitUntilGone(req.alive, 5_000, pollMs), forced: true };
}

async function waitUntilGone(alive: () => boolean, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}
