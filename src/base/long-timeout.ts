// A timer for any delay. Node fires a setTimeout longer than 2^31-1 ms (24.8 days) after 1 ms, so
// a slipway.yml `timeout: 30d` would stop a migration or a step the moment it began.

/** The longest delay one setTimeout keeps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once after `ms` (also past MAX_TIMER_MS, in steps); returns what cancels it. A delay
 * that is not a finite number waits forever.
 */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const due = Date.now() + ms;
  const arm = (left: number): void => {
    if (!Number.isFinite(left)) return;
    timer = setTimeout(() => {
      const rest = due - Date.now();
      if (rest > 0) arm(rest);
      else fn();
    }, Math.min(Math.max(left, 0), MAX_TIMER_MS));
  };
  arm(ms);
  return () => clearTimeout(timer);
}
