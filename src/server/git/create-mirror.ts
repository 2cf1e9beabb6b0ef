// Creates a project's bare mirror all at once: built in a temp dir beside it and renamed into
// place, so a crash or a failed fetch never leaves a half mirror where the real one belongs.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { GitRunner, GitRunOptions } from './run-git.ts';

export type MirrorResult<T = object> = ({ ok: true } & T) | { ok: false; error: string };

export interface CreateMirrorOptions {
  repoUrl: string;
  dir: string;
  git: GitRunner;
  run: GitRunOptions;
  /** Turns a failed git command into the message the caller shows (names the repo, hides tokens). */
  describe: (action: string, stderr: string, timedOut: boolean) => string;
}

/**
 * The refs a mirror keeps: branches and tags. Not `+refs/*:refs/*` as `clone --mirror` would:
 * on GitHub that also copies every pull request (refs/pull/*), which Slipway never builds.
 */
export const mirrorRefspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

const tempMarker = '.tmp-';

/**
 * Makes `dir` a bare repository holding the branches and tags of `repoUrl`, with `origin` set up
 * so that `git fetch --prune origin` refreshes it. Resolves `{ ok: true, created: true }`, or
 * `{ ok: true, created: false }` when another creator renamed its mirror into place first, or
 * `{ ok: false, error }` when the repository cannot be read (then nothing is left behind).
 * Leftover temp dirs of this mirror from an earlier crash are removed first, so the caller must
 * not run two creations of the same `dir` at once (GitMirror serialises them).
 */
export async function createMirror(options: CreateMirrorOptions): Promise<MirrorResult<{ created: boolean }>> {
  const { dir, git, run } = options;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await removeLeftovers(parent, basename(dir));
  const temp = `${dir}${tempMarker}${randomBytes(6).toString('hex')}`;
  try {
    const steps: [string, string[]][] = [
      ['create', ['init', '--bare', '--quiet', temp]],
      ['configure', [`--git-dir=${temp}`, 'config', 'remote.origin.url', options.repoUrl]],
      ...mirrorRefspecs.map((spec): [string, string[]] => [
        'configure',
        [`--git-dir=${temp}`, 'config', '--add', 'remote.origin.fetch', spec],
      ]),
      ['clone', [`--git-dir=${temp}`, 'fetch', '--prune', '--quiet', 'origin']],
    ];
    for (const [action, args] of steps) {
      const out = await git(args, run);
      if (out.code !== 0) return { ok: false, error: options.describe(action, out.stderr, out.timedOut) };
    }
    try {
      await rename(temp, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return { ok: true, created: false };
      throw err;
    }
    return { ok: true, created: true };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function removeLeftovers(parent: string, name: string): Promise<void> {
  const entries = await readdir(parent);
  const prefix = `${name}${tempMarker}`;
  await Promise.all(
    entries.filter((e) => e.startsWith(prefix)).map((e) => rm(join(parent, e), { recursive: true, force: true })),
  );
}
