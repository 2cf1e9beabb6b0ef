// Where a machine's CPU went during a measured interval, by kind of process: reads every
// process's CPU time from /proc/<pid>/stat before and after. A process that lived through the
// interval counts its own time; one born in it counts all of its time; one reaped in it (an app
// stopped by its agent) is found in its parent's children's time (its nearest ancestor's that lived
// through the interval), less what it had spent before the interval, counted for that ancestor's
// kind as "reaped children". Linux only; used by bench/ansible-compare.bench.ts to say
// whether a rollout's wall time is spent waiting for the machine's cores.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

interface ProcessCpu {
  /** utime + stime, in ms. */
  own: number;
  /** cutime + cstime: its reaped children's, in ms. */
  children: number;
  /** When it started (clock ticks since boot): a pid reused in between is another process. */
  start: number;
  parent: number;
  comm: string;
}

export type CpuSnapshot = Map<number, ProcessCpu>;

const tickMs = 10; // USER_HZ is 100 on every Linux this runs on

export function cpuSnapshot(): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' '); // fields[0] is the state (field 3)
    const field = (n: number) => Number(fields[n - 3]);
    snapshot.set(pid, {
      own: (field(14) + field(15)) * tickMs,
      children: (field(16) + field(17)) * tickMs,
      start: field(22),
      parent: field(4),
      comm: stat.slice(stat.indexOf('(') + 1, close),
    });
  }
  return snapshot;
}

/** CPU ms spent between two snapshots, by the kind `kindOf` gives each process (unnamed: "other"). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot, kindOf: (pid: number, comm: string) => string | undefined): Map<string, number> {
  const spent = new Map<string, number>();
  const add = (kind: string, value: number) => spent.set(kind, (spent.get(kind) ?? 0) + value);
  const lived = (pid: number) => before.get(pid)?.start === after.get(pid)?.start && after.has(pid);
  // What processes that ended in the interval had spent before it (their own and their reaped
  // children's) comes into the children's time of their nearest ancestor that lived through it.
  const spentBefore = new Map<number, number>();
  for (const [pid, then] of before) {
    if (lived(pid)) continue;
    let ancestor = then.parent;
    while (before.has(ancestor) && !lived(ancestor)) ancestor = before.get(ancestor)!.parent;
    spentBefore.set(ancestor, (spentBefore.get(ancestor) ?? 0) + then.own + then.children);
  }
  for (const [pid, now] of after) {
    const then = before.get(pid);
    const same = then !== undefined && then.start === now.start;
    const kind = kindOf(pid, now.comm) ?? 'other';
    add(kind, now.own - (same ? then.own : 0));
    const reaped = now.children - (same ? then.children : 0) - (same ? (spentBefore.get(pid) ?? 0) : 0);
    if (reaped > 0) add(`${kind}: reaped children`, reaped);
  }
  return spent;
}

/** "agents 1.2 s, apps 0.8 s, … of 2 cores × 3.4 s (62 % busy)". */
export function describeCpu(spent: Map<string, number>, wallMs: number): string {
  const total = [...spent.values()].reduce((a, b) => a + b, 0);
  const parts = [...spent].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`);
  const cores = cpus().length;
  return `${parts.join(', ')}; in all ${(total / 1000).toFixed(2)} s of ${cores} cores × ${(wallMs / 1000).toFixed(2)} s (${Math.round((100 * total) / (cores * wallMs))} % busy)`;
}
