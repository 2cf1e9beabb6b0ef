// The sample project's git repository for `slipway up`: a copy of examples/hello, committed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const demoGitEnv = {
  GIT_AUTHOR_NAME: 'Slipway Demo', GIT_AUTHOR_EMAIL: 'demo@slipway.invalid',
  GIT_COMMITTER_NAME: 'Slipway Demo', GIT_COMMITTER_EMAIL: 'demo@slipway.invalid',
};

/** Creates the repository at `dir` unless it exists; returns whether it was created. */
export function ensureSampleRepo(dir: string, exampleDir: string): boolean {
  if (existsSync(join(dir, '.git'))) return false;
  cpSync(exampleDir, dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...demoGitEnv }, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'The hello sample app');
  return true;
}
