// Reads what Linux says about processes in /proc: start time, process group, environment.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  /** One letter: R running, S sleeping, Z zombie, ... */
  state: string;
  pgid: number;
  /** Clock ticks after boot when the process started (field 22): with the pid, identifies it. */
  startTime: string;
}

/** What /proc/<pid>/stat says about `pid`, or undefined when there is no such process. */
export function readProcInfo(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, , pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { pid, state, pgid: Number(pgrp), startTime };
}

/** The pids of the live (not zombie) processes whose process group is `pgid`. */
export function listGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcInfo(Number(name));
    if (info && info.pgid === pgid && info.state !== 'Z' && info.state !== 'X') members.push(info.pid);
  }
  return members;
}

/** The environment `pid` was started with, or undefined when it cannot be read (gone, another user's). */
export function readProcEnviron(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((v) => v !== '');
  } catch {
    return undefined;
  }
}

/** The pids of the live processes whose environment holds `entry` (e.g. "SLIPWAY_INSTANCE=…"). */
export function listProcessesWithEnv(entry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const info = readProcInfo(Number(name));
    if (info && info.state !== 'Z' && info.state !== 'X' && readProcEnviron(info.pid)?.includes(entry)) pids.push(info.pid);
  }
  return pids;
}
