// For the runner's tests: a real git repository in a temp folder and its `git archive` tarball, as
// the server would serve it for a job.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const identity = {
  GIT_AUTHOR_NAME: 'Slipway Test',
  GIT_AUTHOR_EMAIL: 'test@slipway.invalid',
  GIT_COMMITTER_NAME: 'Slipway Test',
  GIT_COMMITTER_EMAIL: 'test@slipway.invalid',
};

export interface TestRepo {
  sha: string;
  /** `git archive --format=tar.gz <sha>`: one tree, no prefix. */
  archive: Buffer;
}

/**
 * Creates a repository in `dir` with `files` (path → content) and `links` (path → symlink target),
 * commits them once and returns the commit and its archive.
 */
export function createTestRepo(dir: string, files: Record<string, string>, links: Record<string, string> = {}): TestRepo {
  const git = (...args: string[]): Buffer =>
    execFileSync('git', args, { cwd: dir, env: { ...process.env, ...identity }, maxBuffer: 64 * 1024 * 1024 });
  mkdirSync(dir, { recursive: true });
  git('init', '--quiet', '--initial-branch=main');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  for (const [path, target] of Object.entries(links)) symlinkSync(target, join(dir, path));
  git('add', '--all');
  git('commit', '--quiet', '-m', 'test commit');
  const sha = git('rev-parse', 'HEAD').toString().trim();
  return { sha, archive: git('archive', '--format=tar.gz', sha) };
}
