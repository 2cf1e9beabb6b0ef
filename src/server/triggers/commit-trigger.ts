// New commits become runs: the poller and the push webhook call check(); `slipway run` calls
// runRef(). One run per new commit on the project's branch, oldest first.
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock.ts';
import { errorMessage, InputError, NotFoundError, SlipwayError } from '../../base/errors.ts';
import type { Project, Run, RunTrigger, SlipwayConfig } from '../../core/model.ts';
import { formatConfigProblem, parseSlipwayConfig } from '../../core/pipeline/parse-slipway-config.ts';
import { planStages, type PlannedStage } from '../../core/pipeline/plan-stages.ts';
import type { NewRun, Store } from '../../storage/store.ts';
import type { EventLog, Tx } from '../engine/event-log.ts';
import type { GitMirror } from '../git/git-mirror.ts';
import type { GitMirrors } from '../git/git-mirrors.ts';
import { isSha } from '../git/git-names.ts';
import { redactRepoUrl } from '../git/repo-url.ts';

/** What finds new commits by itself (not a person asking for a run). */
type CommitTriggerKind = Exclude<RunTrigger, 'manual'>;

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
   * since the last check. Calls for one project run one after the other. Every commit gets its
   * run: one whose slipway.yml is missing, broken or hostile, or that cannot be read, gets a
   * failed run saying why, and later commits still build. The outcome of the check is kept on
   * the project (`pollError`, with a `project.poll_failed` event when it starts failing). A
   * repository that cannot be fetched is logged and gives no runs; anything else that fails is
   * recorded, then rejected for the caller to log.
   */
  check(project: Project, trigger: CommitTriggerKind): Promise<Run[]> {
    const previous = this.checking.get(project.id) ?? Promise.resolve([]);
    const next = previous.catch(() => []).then(() => this.checkNow(project.id, trigger));
    this.checking.set(project.id, next);
    return next;
  }

  /**
   * A run for REF (a branch, a tag or a full sha) by hand, after fetching; `requestedBy` is the
   * principal who asked. `inTransaction` runs in the transaction that creates the run (the API
   * writes its audit entry there).
   */
  async runRef(project: Project, ref: string, requestedBy: string, inTransaction?: (tx: Tx, run: Run) => Promise<void>): Promise<Run> {
    const mirror = this.deps.mirrors.for(project);
    await this.sync(mirror, project);
    const sha = isSha(ref) ? ref : await mirror.head(ref);
    if (!sha) throw new NotFoundError('SLIPWAY_REF_NOT_FOUND', `${project.name}: no branch "${ref}" in ${redactRepoUrl(project.repoUrl)}`);
    return this.createRun(project, mirror, sha, ref, 'manual', requestedBy, inTransaction);
  }

  private async checkNow(projectId: string, trigger: CommitTriggerKind): Promise<Run[]> {
    const project = await this.deps.store.projects.get(projectId);
    if (!project) return [];
    try {
      const runs = await this.newRuns(project, trigger);
      await this.recordCheck(project, null);
      return runs;
    } catch (err) {
      await this.recordCheck(project, errorMessage(err));
      if (err instanceof SlipwayError && err.code === 'SLIPWAY_GIT_FETCH_FAILED') {
        this.deps.log.error({ project: project.name, err: err.message }, 'could not fetch the repository');
        return [];
      }
      throw err;
    }
  }

  private async newRuns(project: Project, trigger: CommitTriggerKind): Promise<Run[]> {
    const mirror = this.deps.mirrors.for(project);
    await this.sync(mirror, project);
    const head = await mirror.head(project.branch);
    if (!head || head === project.lastSeenSha) return [];
    const runs: Run[] = [];
    for (const sha of await mirror.newCommits(project.lastSeenSha, head, MAX_NEW_COMMITS)) {
      if (await this.deps.store.runs.hasSha(project.id, sha)) continue;
      const run = await this.createRun(project, mirror, sha, project.branch, trigger);
      if (run) runs.push(run);
    }
    await this.deps.store.projects.setLastSeenSha(project.id, head);
    return runs;
  }

  /**
   * Keeps the outcome of a check on the project: the error (`at` = since when it fails) or null.
   * Writes only on a change; never throws, so that the check's own error is the one reported.
   */
  private async recordCheck(project: Project, message: string | null): Promise<void> {
    if (message === (project.pollError?.message ?? null)) return;
    const refs = { projectId: project.id };
    try {
      await this.deps.events.transaction(async (tx) => {
        await tx.store.projects.setPollError(project.id, message === null ? null : { message, at: project.pollError?.at ?? this.deps.clock.now() });
        if (message !== null && project.pollError === null) {
          await tx.emit('project.poll_failed', `checking the repository of ${project.name} fails: ${message}`, { ...refs, data: { error: message } });
        } else if (message === null) {
          await tx.emit('project.poll_recovered', `checking the repository of ${project.name} works again`, refs);
        }
      });
    } catch (recordErr) {
      this.deps.log.error({ project: project.name, err: errorMessage(recordErr) }, 'could not record the outcome of a repository check');
    }
  }

  /** Brings the mirror up to date (creating it the first time). */
  private async sync(mirror: GitMirror, project: Project): Promise<void> {
    const fetched = await mirror.fetch();
    if (!fetched.ok) throw new InputError('SLIPWAY_GIT_FETCH_FAILED', `${project.name}: ${fetched.error}`);
  }

  /**
   * Creates the commit's run, a failed one when its slipway.yml is unusable. Throws only when the
   * store cannot take even a failed run (then nothing was created and the next check tries again).
   */
  private async createRun(project: Project, mirror: GitMirror, sha: string, ref: string, trigger: 'manual', requestedBy: string,
    inTransaction?: (tx: Tx, run: Run) => Promise<void>): Promise<Run>;
  /**
   * A trigger's run: undefined when the commit has one already, created meanwhile (another instance,
   * a webhook while this one polled): the database keeps one per commit.
   */
  private async createRun(project: Project, mirror: GitMirror, sha: string, ref: string, trigger: CommitTriggerKind): Promise<Run | undefined>;
  private async createRun(project: Project, mirror: GitMirror, sha: string, ref: string, trigger: RunTrigger, requestedBy: string | null = null,
    inTransaction?: (tx: Tx, run: Run) => Promise<void>): Promise<Run | undefined> {
    const commit = await this.readCommit(project, mirror, sha);
    const now = this.deps.clock.now();
    const base = { projectId: project.id, sha, ref, message: commit.message, author: commit.author, trigger, requestedBy, onePerCommit: trigger !== 'manual' };
    // The run and the event that announces it, in one transaction.
    const record = (fields: Pick<NewRun, 'config' | 'error' | 'stages'>) => this.deps.events.transaction(async (tx) => {
      const created = await tx.store.runs.create({ ...base, ...fields }, now);
      const what = created.error ? `could not start: ${created.error}` : `queued (${trigger}${requestedBy ? ` by ${requestedBy}` : ''})`;
      await tx.emit('run.created', `run #${created.number} of ${project.name} for ${sha.slice(0, 7)} "${commit.message}" ${what}`, {
        projectId: project.id, runId: created.id, actor: requestedBy,
      });
      await inTransaction?.(tx, created);
      return created;
    });
    let run: Run;
    try {
      run = await record({ config: commit.config, error: commit.error, stages: commit.stages });
    } catch (err) {
      if (isRunOfCommit(err)) {
        this.deps.log.info({ project: project.name, sha }, 'the commit has its run already (created meanwhile, maybe by another instance)');
        return undefined;
      }
      if (commit.config === null) throw err;
      this.deps.log.error({ project: project.name, sha, err: errorMessage(err) }, 'could not create a run: recording it as failed');
      try {
        run = await record({ config: null, error: `could not create the run: ${errorMessage(err)}`, stages: [] });
      } catch (failedErr) {
        if (isRunOfCommit(failedErr)) return undefined;
        throw failedErr;
      }
    }
    this.deps.onRuns();
    return run;
  }

  /** What the commit says, and its config or why it has none. Never throws: a failure is the run's error. */
  private async readCommit(project: Project, mirror: GitMirror, sha: string): Promise<CommitReading> {
    const reading: CommitReading = { message: '', author: '', config: null, error: null, stages: [] };
    try {
      ({ message: reading.message, author: reading.author } = await mirror.commitInfo(sha));
      const text = await mirror.readFile(sha, 'slipway.yml');
      if (text === undefined) return { ...reading, error: `no slipway.yml at the root of commit ${sha.slice(0, 7)}` };
      const parsed = parseSlipwayConfig(text);
      if (!parsed.ok) return { ...reading, error: parsed.problems.map((p) => formatConfigProblem('slipway.yml', p)).join('\n') };
      return { ...reading, config: parsed.config, stages: planStages(parsed.config) };
    } catch (err) {
      this.deps.log.error({ project: project.name, sha, err: errorMessage(err) }, 'could not read a commit');
      return { ...reading, error: `could not read commit ${sha.slice(0, 7)}: ${errorMessage(err)}` };
    }
  }
}

/** The store refused a second trigger's run for one commit. */
function isRunOfCommit(err: unknown): boolean {
  return err instanceof SlipwayError && err.code === 'SLIPWAY_RUN_EXISTS';
}

interface CommitReading {
  message: string;
  author: string;
  config: SlipwayConfig | null;
  error: string | null;
  stages: PlannedStage[];
}
