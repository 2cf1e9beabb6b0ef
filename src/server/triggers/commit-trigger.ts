// New commits become runs: the poller and the push webhook call check(); `slipway run` calls
// runRef(). One run per new commit on the project's branch, oldest first.
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import { InputError, NotFoundError } from '../../base/errors.ts';
import type { Project, Run, RunTrigger } from '../../core/model.ts';
import { environmentOrder, formatConfigProblem, parseSlipwayConfig } from '../../core/pipeline/parse-slipway-config.ts';
import type { Store } from '../../storage/store.ts';
import type { EventLog } from '../engine/event-log.ts';
import type { GitMirror } from '../git/git-mirror.ts';
import type { GitMirrors } from '../git/git-mirrors.ts';
import { isSha } from '../git/git-names.ts';

/** At most this many runs from one fetch: a push of 500 commits builds the newest 20. */
const MAX_NEW_COMMITS = 20;

export interface CommitTriggerDeps {
  store: Store;
  mirrors: GitMirrors;
  events: EventLog;
  clock: Clock;
  log: Logger;
  /** Told when runs were created. */
  onRuns: () => void;
}

export class CommitTrigger {
  private readonly checking = new Map<string, Promise<Run[]>>();

  constructor(private readonly deps: CommitTriggerDeps) {}

  /**
   * Fetches the project's mirror and creates a run for each commit on its branch that is new
   * since the last check. Calls for one project run one after the other. A repository that
   * cannot be fetched is logged and gives no runs.
   */
  check(project: Project, trigger: RunTrigger): Promise<Run[]> {
    const previous = this.checking.get(project.id) ?? Promise.resolve([]);
    const next = previous.catch(() => []).then(() => this.checkNow(project.id, trigger));
    this.checking.set(project.id, next);
    return next;
  }

  /** A run for REF (a branch, a tag or a full sha) by hand, after fetching; `requestedBy` is the principal who asked. */
  async runRef(project: Project, ref: string, requestedBy: string): Promise<Run> {
    const mirror = this.deps.mirrors.for(project);
    await this.sync(mirror, project);
    const sha = isSha(ref) ? ref : await mirror.head(ref);
    if (!sha) throw new NotFoundError('SLIPWAY_REF_NOT_FOUND', `${project.name}: no branch "${ref}" in ${project.repoUrl}`);
    return this.createRun(project, mirror, sha, ref, 'manual', requestedBy);
  }

  private async checkNow(projectId: string, trigger: RunTrigger): Promise<Run[]> {
    const project = await this.deps.store.projects.get(projectId);
    if (!project) return [];
    const mirror = this.deps.mirrors.for(project);
    try {
      await this.sync(mirror, project);
    } catch (err) {
      this.deps.log.warn({ project: project.name, err: (err as Error).message }, 'could not fetch the repository');
      return [];
    }
    const head = await mirror.head(project.branch);
    if (!head || head === project.lastSeenSha) return [];
    const runs: Run[] = [];
    for (const sha of await mirror.newCommits(project.lastSeenSha, head, MAX_NEW_COMMITS)) {
      if (await this.deps.store.runs.hasSha(project.id, sha)) continue;
      runs.push(await this.createRun(project, mirror, sha, project.branch, trigger));
    }
    await this.deps.store.projects.setLastSeenSha(project.id, head);
    return runs;
  }

  /** Brings the mirror up to date (creating it the first time). */
  private async sync(mirror: GitMirror, project: Project): Promise<void> {
    const fetched = await mirror.fetch();
    if (!fetched.ok) throw new InputError('SLIPWAY_GIT_FETCH_FAILED', `${project.name}: ${fetched.error}`);
  }

  private async createRun(project: Project, mirror: GitMirror, sha: string, ref: string, trigger: RunTrigger, requestedBy: string | null = null): Promise<Run> {
    const info = await mirror.commitInfo(sha);
    const text = await mirror.readFile(sha, 'slipway.yml');
    const parsed = text === undefined ? undefined : parseSlipwayConfig(text);
    const error = text === undefined
      ? `no slipway.yml at the root of commit ${sha.slice(0, 7)}`
      : parsed && !parsed.ok ? parsed.problems.map((p) => formatConfigProblem('slipway.yml', p)).join('\n') : null;
    const config = parsed?.ok ? parsed.config : null;
    const stages = config ? [{ name: 'build', kind: 'build' as const }, ...environmentOrder(config).map((name) => ({ name, kind: 'environment' as const }))] : [];
    const run = await this.deps.store.runs.create(
      { projectId: project.id, sha, ref, message: info.message, author: info.author, trigger, requestedBy, config, error, stages },
      this.deps.clock.now(),
    );
    const what = error ? `could not start: ${error}` : `queued (${trigger}${requestedBy ? ` by ${requestedBy}` : ''})`;
    await this.deps.events.emit('run.created', `run #${run.number} of ${project.name} for ${sha.slice(0, 7)} "${info.message}" ${what}`, {
      projectId: project.id, runId: run.id, actor: requestedBy,
    });
    this.deps.onRuns();
    return run;
  }
}
