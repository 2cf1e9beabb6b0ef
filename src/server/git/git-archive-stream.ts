// Streams `git archive --format=tar.gz` of one commit without buffering it, and turns a git that
// fails part-way into a stream error rather than a quietly truncated tarball.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { gitEnv, killGitGroup } from './run-git.ts';

export interface GitArchiveOptions {
  gitDir: string;
  /** A full sha, already checked by the caller. */
  sha: string;
  /** Kills git after this long (default 10 min: a slow reader holds git back through backpressure). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Builds the error the stream fails with from what git said. */
  failure: (detail: string) => Error;
}

const stderrLimit = 16 * 1024;

/**
 * A Readable of the commit's tree as tar.gz. The stream ends only after git exited 0; if git
 * exits non-zero, is killed by the timeout or cannot start, the stream is destroyed with
 * `failure(detail)`. Destroying the stream early kills git.
 */
export function gitArchiveStream(options: GitArchiveOptions): Readable {
  const out = new PassThrough();
  const child = spawn('git', [`--git-dir=${options.gitDir}`, 'archive', '--format=tar.gz', options.sha], {
    env: gitEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
    detached: true,
  });
  let stderr = '';
  let timedOut = false;
  let exited = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < stderrLimit) stderr += chunk;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    killGitGroup(child);
  }, options.timeoutMs ?? 600_000);
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => {
    clearTimeout(timer);
    exited = true;
    out.destroy(options.failure(err.message));
  });
  // 'close' comes after stdout ended, so every byte git wrote has already been passed on.
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    exited = true;
    if (out.destroyed) return;
    if (code === 0) out.end();
    else if (timedOut) out.destroy(options.failure('git archive timed out'));
    else out.destroy(options.failure(stderr.trim() || `git archive exited with ${code ?? signal}`));
  });
  out.on('close', () => {
    if (!exited) {
      clearTimeout(timer);
      killGitGroup(child);
    }
  });
  return out;
}
