// The processes `slipway up` starts: each with its output in a log file, all stopped together,
// and their pids kept on disk so that a later `up` can stop what an interrupted one left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export class ChildProcesses {
  private readonly children: { name: string; child: ChildProcess }[] = [];

  constructor(private readonly dir: string, private readonly logDir: string, private readonly pidFile: string) {}

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const log = openSync(join(this.logDir, `${name}.log`), 'a');
    // Its own process group: Ctrl-C reaches only `up`, which stops the children in order.
    const child = spawn(command, args, { cwd: this.dir, env, stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    this.children.push({ name, child });
    this.savePids();
    return child;
  }

  /** SIGTERM to every child (agents stop their apps), SIGKILL to any still alive after `graceMs`. */
  async stopAll(graceMs = 15_000): Promise<void> {
    const alive = [...this.children].reverse().filter(({ child }) => child.exitCode === null && child.signalCode === null);
    await Promise.all(alive.map(({ child }) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    })));
    rmSync(this.pidFile, { force: true });
  }

  private savePids(): void {
    writeFileSync(this.pidFile, this.children.map(({ child }) => child.pid).join('\n'));
  }
}

/** Stops the processes an interrupted earlier `up` left running (only Slipway's own). */
export function stopLeftovers(pidFile: string): number {
  let pids: number[];
  try {
    pids = readFileSync(pidFile, 'utf8').split('\n').map(Number).filter((n) => n > 1);
  } catch {
    return 0;
  }
  let stopped = 0;
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('slipway')) continue;
      process.kill(pid, 'SIGTERM');
      stopped += 1;
    } catch {
      // already gone
    }
  }
  rmSync(pidFile, { force: true });
  return stopped;
}
