// Runs the real `git` binary without a shell, with a timeout and no way for it to prompt a person.
import { spawn, type ChildProcess } from 'node:child_process';

/** What one git command did. A non-zero exit is a value here, not a throw. */
export interface GitOutput {
  /** The exit code; null when git could not be started or was killed (see `timedOut`). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface GitRunOptions {
  /** Working directory; commands on a mirror pass `--git-dir` instead of relying on this. */
  cwd?: string;
  /** Kills git after this long (default 120 s). */
  timeoutMs?: number;
  /** The environment git inherits; GIT_TERMINAL_PROMPT=0 is always added. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Largest stdout accepted (default 64 MiB). */
  maxBuffer?: number;
}

/** The signature GitMirror calls git through; tests may wrap `runGit` to observe calls. */
export type GitRunner = (args: readonly string[], options?: GitRunOptions) => Promise<GitOutput>;

const defaultTimeoutMs = 120_000;

/**
 * The environment for a git child: the given one plus GIT_TERMINAL_PROMPT=0 (no credential
 * prompt on a terminal) and, unless the operator chose an ssh command, ssh in batch mode (no
 * host-key or password prompt). A git that would need a person fails instead of hanging.
 */
export function gitEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0' };
  if (env.GIT_SSH_COMMAND === undefined && env.GIT_SSH === undefined) {
    env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
  }
  return env;
}

/**
 * Stops a git started with `detached: true` together with the helpers it started
 * (git-remote-http, ssh, index-pack): they share its process group, and killing git alone would
 * leave them waiting on the network. SIGTERM first, SIGKILL if the group is still there 5 s later.
 */
export function killGitGroup(child: ChildProcess): void {
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup('SIGTERM');
  const escalate = setTimeout(() => signalGroup('SIGKILL'), 5000);
  escalate.unref();
  child.once('close', () => clearTimeout(escalate));
}

/**
 * Runs `git <args>` and resolves with its exit code and output; never rejects. Arguments are
 * passed as an argv array (no shell), so callers only have to keep user text from looking like
 * an option. A timeout kills git and its helpers and reports `timedOut: true`.
 */
export const runGit: GitRunner = (args, options = {}) =>
  new Promise((resolve) => {
    // Not execFile: it does not pass `detached` on, and git must lead its own process group.
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: gitEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      detached: true,
    });
    const maxBuffer = options.maxBuffer ?? 64 * 1024 * 1024;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let failure: string | undefined;
    const stop = (why?: string) => {
      failure ??= why;
      killGitGroup(child);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs ?? defaultTimeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBuffer) return stop(`git wrote more than ${maxBuffer} bytes`);
      into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    child.on('error', (err) => (failure ??= err.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      const err = Buffer.concat(stderr).toString('utf8');
      resolve({
        code: timedOut || failure !== undefined ? null : code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        // A spawn failure (git not installed, cwd missing) has no stderr of its own: say what happened.
        stderr: failure !== undefined && err === '' ? failure : err,
        timedOut,
      });
    });
  });
