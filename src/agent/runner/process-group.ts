// Stops a step's whole process group (the shell and everything it started): SIGTERM first, then
// SIGKILL when a grace period has passed and something in the group is still running.
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { signalGroup } from '../process-signals.ts';

const POLL_MS = 50;

/**
 * Sends SIGTERM to every process of group `pgid`, waits up to `graceMs` for them to end, then sends
 * SIGKILL to whatever is left. Resolves once the group is gone or has been sent SIGKILL; never
 * rejects. A group with no process left is a no-op.
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await groupIsAlive(pgid))) return;
    await delay(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
  if (await groupIsAlive(pgid)) signalGroup(pgid, 'SIGKILL');
}

/**
 * Whether any process of group `pgid` still runs. Zombies do not count: an orphan that nobody reaps
 * (a container whose PID 1 is not an init) has ended all the same.
 */
export async function groupIsAlive(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return true; // no /proc to look closer: the signal says someone is there
  }
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may hold spaces): state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[2] === String(pgid) && fields[0] !== 'Z') return true;
  }
  return false;
}
