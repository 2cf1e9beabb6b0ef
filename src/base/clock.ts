// Time comes from a Clock so that planners and timeouts can be tested with plain numbers.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
