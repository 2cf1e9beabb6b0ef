// The server's mirrors, one GitMirror per project under <data>/mirrors, so that the poller and
// the webhook route share the instance that serialises fetches.
import { join } from 'node:path';
import { InputError } from '../../base/errors.ts';
import { GitMirror, type GitMirrorOptions } from './git-mirror.ts';

export interface GitMirrorsOptions {
  /** The server's data directory; mirrors live in `<dataDir>/mirrors/<project-id>.git`. */
  dataDir: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  git?: GitMirrorOptions['git'];
}

const projectIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Hands out one GitMirror per project. Create one per server (in main) and pass it around. */
export class GitMirrors {
  private readonly mirrors = new Map<string, GitMirror>();

  constructor(private readonly options: GitMirrorsOptions) {}

  /**
   * The project's mirror, the same instance on every call while its repoUrl stays the same (a
   * new URL gets a new instance, whose ensure() re-points `origin`). Nothing is created on disk
   * until ensure() or fetch(). Throws InputError for an id that could not be a directory name
   * (SLIPWAY_GIT_INVALID_PROJECT_ID) or a refused repoUrl (SLIPWAY_GIT_INVALID_REPO_URL).
   */
  for(project: { id: string; repoUrl: string }): GitMirror {
    const known = this.mirrors.get(project.id);
    if (known && known.repoUrl === project.repoUrl) return known;
    if (!projectIdPattern.test(project.id)) {
      throw new InputError('SLIPWAY_GIT_INVALID_PROJECT_ID', `not a usable project id for a mirror: "${project.id}"`);
    }
    const mirror = new GitMirror({
      repoUrl: project.repoUrl,
      dir: join(this.options.dataDir, 'mirrors', `${project.id}.git`),
      timeoutMs: this.options.timeoutMs,
      env: this.options.env,
      git: this.options.git,
    });
    this.mirrors.set(project.id, mirror);
    return mirror;
  }
}
