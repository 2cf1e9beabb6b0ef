// Test support: real git repositories in temp dirs, with an identity and config of their own so
// that tests behave the same on a laptop and on CI (no global identity, no signing, no helpers).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The environment tests give git (and GitMirror): isolated from the machine's git config. */
export const testGitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ada Tester',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Tester',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};

/** A file's content, or null to delete it; names ending in "*" are written executable (the "*" dropped). */
export type TreeChange = Record<string, string | null>;

export class TestRepo {
  private tick = 0;

  private constructor(readonly dir: string) {}

  /** A new non-bare repository on branch `main` in a fresh temp dir. */
  static create(root: string): TestRepo {
    const dir = join(root, `source-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(dir);
    const repo = new TestRepo(dir);
    repo.git('init', '--quiet', '--initial-branch=main');
    return repo;
  }

  /** Runs git in the repository and returns its trimmed stdout; throws on failure. */
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: this.env(), encoding: 'utf8', stdio: 'pipe' }).trim();
  }

  /** Applies the changes, commits them with `message`, and returns the new sha. */
  commit(message: string, changes: TreeChange = { [`file-${this.tick}.txt`]: message }): string {
    for (const [name, content] of Object.entries(changes)) {
      const executable = name.endsWith('*');
      const path = join(this.dir, executable ? name.slice(0, -1) : name);
      if (content === null) {
        rmSync(path, { force: true });
        continue;
      }
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      if (executable) chmodSync(path, 0o755);
    }
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  /** Commits get one-second-apart dates from a fixed start, so their order and times are known. */
  private env(): NodeJS.ProcessEnv {
    const date = `${1_700_000_000 + this.tick++} +0000`;
    return { ...testGitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  }
}

/** A fresh temp dir and a function that removes it. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `slipway-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
