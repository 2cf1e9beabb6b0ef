// Real Slipway processes for end-to-end tests: a server and agents started from bin/slipway, each
// with its output in a file under the test's directory, killable with any signal, and a cleanup
// that leaves nothing running (also apps that a SIGKILLed agent left behind).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { waitFor } from './wait-for.ts';

export const slipwayBin = resolve(import.meta.dirname, '../../bin/slipway');

export class SlipwayProcess {
  constructor(readonly name: string, readonly child: ChildProcess, readonly logFile: string) {}

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return readFileSync(this.logFile, 'utf8');
  }

  /** Sends the signal and waits until the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill(signal);
    await exited;
  }
}

/**
 * Starts `bin/slipway ARGS` with its output in <dir>/<name>.log (appended across restarts).
 * `prefix` runs it through another command that execs it, e.g. `ip netns exec NAME` for a test
 * host with its own address: the child is still the slipway process, so signals reach it.
 * `slipway` is how Slipway itself is started (default: node bin/slipway), e.g. a packaged executable.
 */
export function startSlipway(dir: string, name: string, args: string[], env: NodeJS.ProcessEnv = {}, prefix: string[] = [], slipway: string[] = [process.execPath, slipwayBin]): SlipwayProcess {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const [command, ...commandArgs] = [...prefix, ...slipway, ...args] as [string, ...string[]];
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return new SlipwayProcess(name, child, logFile);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin/slipway ARGS` to its end, as a user at a terminal would, with its output collected.
 * `env` is its whole environment (default: this process's); `stdin` is written to it, then closed.
 */
export function runSlipway(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [slipwayBin, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The environment of a CLI user of the server at `url` with `token`: plain output. */
export function cliEnv(url: string, token: string): NodeJS.ProcessEnv {
  return { ...process.env, SLIPWAY_URL: url, SLIPWAY_TOKEN: token, NO_COLOR: '1' };
}

/** A TCP port on `host` that was free a moment ago. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The pids of the processes whose working directory is inside `dir` (agents, apps, jobs). */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Kills (SIGKILL) every process working inside `dir`: apps left by killed agents. */
export function killProcessesUnder(dir: string): number {
  const pids = processesUnder(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(`${url} to answer`, async () => (await fetch(url)).ok, { timeoutMs });
}
