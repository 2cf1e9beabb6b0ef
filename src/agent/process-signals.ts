// Signals to processes, the one way the agent sends them: never to a "group" below 2, where
// kill(-0) would reach the caller's own group and kill(-1) every process it may signal.

/**
 * Sends `signal` (0: only checks) to every process of group `pgid`. False when no process of it
 * exists any more, or when `pgid` is not a group one may mean (below 2: a bug upstream, a pid read
 * as 0 or 1, must not take the caller down with it).
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid < 2) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Sends `signal` to one process, quietly: false when it is gone (or `pid` is below 2, as above). */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pid) || pid < 2) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
