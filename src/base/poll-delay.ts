// How long to wait before asking again whether something happened (an app answers its health
// check, a process is gone): quickly at first, then backing off in proportion to the wait so far.

export interface PollSchedule {
  /** The shortest wait, used while little time has passed. */
  firstMs: number;
  /** The longest wait, reached once the wait so far is twenty times this. */
  maxMs: number;
}

/**
 * The pause before the next attempt when `elapsedMs` have passed since the first: a twentieth of
 * the time waited so far, at least `firstMs` and at most `maxMs`. Unlike a delay that doubles per
 * attempt, this bounds what polling adds to something that takes T ms to happen to about T/20
 * (at least firstMs, at most maxMs): an app up after 300 ms is seen within about 15 ms, not up to
 * 300 ms later, at the price of a few dozen attempts in its first second (an attempt at a port
 * nobody listens on costs about 0.1 ms of CPU); one that takes a minute is asked every maxMs. Pure.
 */
export function pollDelay(elapsedMs: number, schedule: PollSchedule): number {
  return Math.min(schedule.maxMs, Math.max(schedule.firstMs, Math.max(0, elapsedMs) / 20));
}
