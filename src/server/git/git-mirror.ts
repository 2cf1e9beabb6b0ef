// A project's bare mirror on the server (<data>/mirrors/<project-id>.git): created once, refreshed
// by polling or a push webhook, and read for new commits, slipway.yml and source archives.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { InputError, NotFoundError, SlipwayError } from '../../base/errors.ts';
import { createMirror, type MirrorResult } from './create-mirror.ts';
import { gitArchiveStream } from './git-archive-stream.ts';
import { isBranchName, isSha, isTreePath } from './git-names.ts';
import { checkRepoUrl, redactRepoUrl, scrubRepoSecrets } from './repo-url.ts';
import { runGit, type GitOutput, type GitRunner, type GitRunOptions } from './run-git.ts';

export type { MirrorResult } from './create-mirror.ts';

export interface GitMirrorOptions {
  repoUrl: string;
  /** The bare repository's directory, e.g. `<data>/mirrors/<project-id>.git`. */
  dir: string;
  /** Per git command (default 120 s); a clone or fetch that takes longer fails. */
  timeoutMs?: number;
  /** The environment git runs with (default: this process's); see gitEnv. */
  env?: NodeJS.ProcessEnv;
  /** How git is run (default runGit); tests wrap it to count calls. */
  git?: GitRunner;
}

export interface CommitInfo {
  sha: string;
  /** The subject line. */
  message: string;
  /** `Name <email>` of the author. */
  author: string;
  /** Committer time, ms since the epoch: when the commit took its place in this history. */
  at: number;
}

/**
 * One repository's mirror. Create one instance per mirror directory and share it: concurrent
 * ensure() and fetch() calls are serialised per instance only. Network outcomes (unreachable,
 * not a repository) are values; reads of the local mirror throw SlipwayError kinds.
 */
export class GitMirror {
  readonly repoUrl: string;
  readonly dir: string;
  private readonly git: GitRunner;
  private readonly run: GitRunOptions;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private ensuring: Promise<MirrorResult<{ created: boolean }>> | undefined;
  private verified = false;
  private fetching: Promise<MirrorResult> | undefined;
  private queuedFetch: Promise<MirrorResult> | undefined;

  /** Throws InputError (SLIPWAY_GIT_INVALID_REPO_URL) for a URL git must not be given. */
  constructor(options: GitMirrorOptions) {
    const problem = checkRepoUrl(options.repoUrl);
    if (problem) throw new InputError('SLIPWAY_GIT_INVALID_REPO_URL', `${redactRepoUrl(options.repoUrl)}: ${problem}`);
    this.repoUrl = options.repoUrl;
    this.dir = resolve(options.dir);
    this.git = options.git ?? runGit;
    this.env = options.env;
    this.run = { timeoutMs: options.timeoutMs ?? 120_000, env: options.env };
  }

  /**
   * Creates the mirror when it is absent (`created: true`); otherwise checks once per instance
   * that the directory is a bare repository and points `origin` at this repoUrl (a project
   * whose URL changed keeps its objects). Resolves `{ ok: false, error }`, naming the
   * repository, when it cannot be read or the directory is something else. Concurrent calls
   * share one attempt.
   */
  ensure(): Promise<MirrorResult<{ created: boolean }>> {
    this.ensuring ??= this.ensureNow().finally(() => (this.ensuring = undefined));
    return this.ensuring;
  }

  /**
   * Brings the mirror up to date with `git fetch --prune` (creating it first if absent; that
   * clone counts as the fetch). Calls are serialised: a call made while a fetch runs waits for
   * it and then gets a fresh fetch, which every caller that arrived meanwhile shares, so each
   * caller sees the repository as it was at some moment after its call.
   */
  fetch(): Promise<MirrorResult> {
    if (this.queuedFetch) return this.queuedFetch;
    if (!this.fetching) return this.startFetch();
    const next = () => {
      this.queuedFetch = undefined;
      return this.startFetch();
    };
    this.queuedFetch = this.fetching.then(next, next);
    return this.queuedFetch;
  }

  /** The sha of refs/heads/<branch>, or undefined when there is no such branch. */
  async head(branch: string): Promise<string | undefined> {
    if (!isBranchName(branch)) throw new InputError('SLIPWAY_GIT_INVALID_BRANCH', `not a valid branch name: "${branch}"`);
    const out = await this.gitIn(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
    if (out.code === 1) return undefined;
    return this.check('read a branch of', out).stdout.trim();
  }

  /**
   * The commits after `sinceSha` up to `headSha`, oldest first, following first parents, at
   * most `max` (the newest ones). With sinceSha null, or when sinceSha is not an ancestor of
   * headSha (a force push, or a commit the mirror no longer has): [headSha]. Equal shas: [].
   * Throws NotFoundError (SLIPWAY_GIT_COMMIT_NOT_FOUND) when headSha is not in the mirror.
   */
  async newCommits(sinceSha: string | null, headSha: string, max: number): Promise<string[]> {
    if (!Number.isInteger(max) || max < 1) throw new InputError('SLIPWAY_GIT_INVALID_LIMIT', `max must be a positive integer, got ${max}`);
    await this.requireCommit(headSha);
    if (sinceSha === null) return [headSha];
    assertSha(sinceSha);
    if (sinceSha === headSha) return [];
    const ancestor = await this.gitIn(['merge-base', '--is-ancestor', sinceSha, headSha]);
    if (ancestor.code !== 0) return [headSha];
    const out = this.check('list commits of', await this.gitIn(['rev-list', '--first-parent', `--max-count=${max}`, headSha, `^${sinceSha}`]));
    return out.stdout.split('\n').filter((line) => line !== '').reverse();
  }

  /** Subject, author and time of a commit. Throws NotFoundError when the mirror lacks it. */
  async commitInfo(sha: string): Promise<CommitInfo> {
    await this.requireCommit(sha);
    const out = this.check(
      'read a commit of',
      await this.gitIn(['-c', 'i18n.logOutputEncoding=UTF-8', 'show', '-s', '--format=%H%x00%s%x00%an <%ae>%x00%ct', sha]),
    );
    const [full = sha, message = '', author = '', seconds = '0'] = out.stdout.replace(/\n$/, '').split('\0');
    return { sha: full, message, author, at: Number(seconds) * 1000 };
  }

  /**
   * The text (UTF-8) of the file at `path` in the commit, or undefined when the commit has no
   * file there (absent, a directory, a submodule). Throws InputError for a path that is not
   * plain and relative, NotFoundError when the mirror lacks the commit.
   */
  async readFile(sha: string, path: string): Promise<string | undefined> {
    assertSha(sha);
    if (!isTreePath(path)) throw new InputError('SLIPWAY_GIT_INVALID_PATH', `not a plain relative path: "${path}"`);
    const type = await this.gitIn(['cat-file', '-t', `${sha}:${path}`]);
    if (type.code !== 0) {
      await this.requireCommit(sha);
      return undefined;
    }
    if (type.stdout.trim() !== 'blob') return undefined;
    return this.check('read a file of', await this.gitIn(['cat-file', 'blob', `${sha}:${path}`])).stdout;
  }

  /**
   * The commit's tree as a tar.gz stream (not buffered). Rejects with NotFoundError when the
   * mirror lacks the commit; the stream errors (SLIPWAY_GIT_ARCHIVE_FAILED) if git fails later.
   */
  async archive(sha: string): Promise<Readable> {
    await this.requireCommit(sha);
    return gitArchiveStream({
      gitDir: this.dir,
      sha,
      env: this.env,
      failure: (detail) =>
        new SlipwayError('SLIPWAY_GIT_ARCHIVE_FAILED', `could not archive ${sha} of ${this.shownUrl}: ${this.scrub(detail)}`),
    });
  }

  private get shownUrl(): string {
    return redactRepoUrl(this.repoUrl);
  }

  private startFetch(): Promise<MirrorResult> {
    const current = this.fetchNow().finally(() => {
      if (this.fetching === current) this.fetching = undefined;
    });
    this.fetching = current;
    return current;
  }

  private async fetchNow(): Promise<MirrorResult> {
    const cloneWasRunning = this.ensuring !== undefined;
    const ensured = await this.ensure();
    if (!ensured.ok) return ensured;
    if (ensured.created && !cloneWasRunning) return { ok: true };
    const out = await this.gitIn(['fetch', '--prune', '--quiet', 'origin']);
    return out.code === 0 ? { ok: true } : { ok: false, error: this.describe('fetch', out.stderr, out.timedOut) };
  }

  private async ensureNow(): Promise<MirrorResult<{ created: boolean }>> {
    if (!(await exists(this.dir))) {
      const made = await createMirror({
        repoUrl: this.repoUrl,
        dir: this.dir,
        git: this.git,
        run: this.run,
        describe: (action, stderr, timedOut) => this.describe(action, stderr, timedOut),
      });
      if (made.ok) this.verified = true;
      return made;
    }
    if (this.verified) return { ok: true, created: false };
    const bare = await this.gitIn(['rev-parse', '--is-bare-repository']);
    if (bare.code !== 0 || bare.stdout.trim() !== 'true') {
      return { ok: false, error: `the mirror of ${this.shownUrl} exists but is not a bare git repository` };
    }
    const origin = await this.gitIn(['config', '--get', 'remote.origin.url']);
    if (origin.stdout.trim() !== this.repoUrl) {
      const set = await this.gitIn(['config', 'remote.origin.url', this.repoUrl]);
      if (set.code !== 0) return { ok: false, error: this.describe('configure', set.stderr, set.timedOut) };
    }
    this.verified = true;
    return { ok: true, created: false };
  }

  private async requireCommit(sha: string): Promise<void> {
    assertSha(sha);
    const out = await this.gitIn(['rev-parse', '--verify', '--quiet', `${sha}^{commit}`]);
    if (out.code === 1) throw new NotFoundError('SLIPWAY_GIT_COMMIT_NOT_FOUND', `commit ${sha} is not in the mirror of ${this.shownUrl}`);
    this.check('read a commit of', out);
  }

  private gitIn(args: string[]): Promise<GitOutput> {
    return this.git([`--git-dir=${this.dir}`, ...args], this.run);
  }

  /** Passes a successful output through; throws SLIPWAY_GIT_FAILED (naming the repo) otherwise. */
  private check(action: string, out: GitOutput): GitOutput {
    if (out.code === 0) return out;
    throw new SlipwayError('SLIPWAY_GIT_FAILED', `could not ${action} the mirror of ${this.shownUrl}: ${this.detail(out.stderr, out.timedOut)}`);
  }

  private describe(action: string, stderr: string, timedOut: boolean): string {
    return `could not ${action} ${this.shownUrl}: ${this.detail(stderr, timedOut)}`;
  }

  private detail(stderr: string, timedOut: boolean): string {
    if (timedOut) return `git timed out after ${Math.round((this.run.timeoutMs ?? 0) / 1000)}s`;
    const lines = this.scrub(stderr).split('\n').map((l) => l.trim()).filter((l) => l !== '');
    // git's own verdicts say what went wrong; the advice lines after them ("make sure you have
    // the correct access rights") do not.
    const verdicts = lines.filter((l) => /^(fatal|error):/.test(l));
    const chosen = verdicts.length > 0 ? verdicts : lines.slice(-3);
    return chosen.join('; ').slice(0, 1000) || 'git failed without saying why';
  }

  /** git's words without the repository's credentials, nor the mirror's path on the server (nor its temp dirs'). */
  private scrub(text: string): string {
    return scrubRepoSecrets(text, this.repoUrl).split(this.dir).join('<mirror>');
  }
}

function assertSha(sha: string): void {
  if (!isSha(sha)) throw new InputError('SLIPWAY_GIT_INVALID_SHA', `not a full commit sha: "${sha}"`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
