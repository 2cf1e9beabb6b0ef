// Starts an app's command with its stdout and stderr going to files, so that it can go on writing
// while the agent is down.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import type { AppPaths } from '../releases/app-paths.ts';

/**
 * Spawns `sh -c command` in `cwd`, detached (its own process group), with stdout and stderr opened
 * O_APPEND on the app's output files (the parent's copies are closed at once). Throws when the
 * files cannot be opened.
 */
export function spawnWithOutputFiles(paths: Pick<AppPaths, 'logsDir' | 'stdoutLog' | 'stderrLog'>, command: string, cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  mkdirSync(paths.logsDir, { recursive: true, mode: 0o700 });
  const stdout = openSync(paths.stdoutLog, 'a', 0o600);
  try {
    const stderr = openSync(paths.stderrLog, 'a', 0o600);
    try {
      return spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', stdout, stderr] });
    } finally {
      closeSync(stderr);
    }
  } finally {
    closeSync(stdout);
  }
}
