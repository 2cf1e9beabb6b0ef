// How an app's process ended, as the supervisor records it and says it.

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: string;
  at: number;
}

/** "exited with code 1", "was killed by SIGSEGV", "could not start: ...". */
export function describeExit(exit: AppExit): string {
  if (exit.error !== undefined) return `could not start: ${exit.error}`;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
