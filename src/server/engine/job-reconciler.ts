// Jobs on runners: reads the jobs not yet ended, asks the job planner, and applies each action in
// one transaction with its event.
import { newId } from '../../base/ids.ts';
import { jobTimeoutMs, planJobs, type JobAction, type JobView } from '../../core/pipeline/job-planner.ts';
import type { Job } from '../../core/model.ts';
import type { JobWithSpec, Store } from '../../storage/store.ts';
import { cancelCommand } from './cancel-command.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import { StaleAction, type Tx } from './event-log.ts';

/** Returns whether it did anything (then the engine looks again at once). */
export async function reconcileJobs(ctx: EngineContext, agents: AgentsById): Promise<boolean> {
  const jobs: JobView[] = [];
  for (const active of await ctx.store.jobs.listActive()) {
    const job = await ctx.store.jobs.get(active.id);
    if (!job) continue;
    const result = job.commandId ? ((await ctx.store.commands.get(job.commandId))?.result ?? null) : null;
    const upload = job.kind === 'build' && result?.artifact ? (await ctx.store.uploads.getByJob(job.id))?.upload ?? null : undefined;
    jobs.push({ job, timeoutMs: jobTimeoutMs(job.spec), result, ...(upload === undefined ? {} : { upload }) });
  }
  // No job, nothing to plan: a look at everything stays cheap in a fleet of thousands of agents.
  if (jobs.length === 0) return false;
  // Pending, revoked and removed agents get no jobs.
  const runners = [...agents.values()].map((a) => ({ id: a.id, name: a.name, labels: a.labels, status: a.status, online: a.online, lastSeenAt: a.lastSeenAt }));
  const actions = planJobs({ jobs, runners }, ctx.clock.now(), ctx.limits);
  for (const action of actions) {
    // Another instance may run the engine by now (see EngineContext.holdsLease).
    if (!ctx.holdsLease()) break;
    await applyJobAction(ctx, agents, action).catch((err: unknown) => {
      if (!(err instanceof StaleAction)) throw err;
      ctx.log.info({ job: action.jobId, why: err.message }, 'job action planned on data that changed; planning again');
    });
  }
  return actions.length > 0;
}

function applyJobAction(ctx: EngineContext, agents: AgentsById, action: JobAction): Promise<void> {
  const now = ctx.clock.now();
  return ctx.events.transaction(async (tx) => {
    const job = await tx.store.jobs.get(action.jobId);
    if (!job || (job.status !== 'queued' && job.status !== 'running')) throw new StaleAction(`job ${action.jobId} has ended`);
    const refs = await jobRefs(tx.store, job);
    switch (action.type) {
      case 'dispatch': {
        const runner = agents.get(action.agentId);
        const commandId = newId();
        if (!(await tx.store.jobs.claim(job.id, action.agentId, commandId, now))) throw new StaleAction(`job ${job.id} was taken`);
        await tx.store.commands.create({ id: commandId, agentId: action.agentId, command: { kind: 'job', job: job.spec } }, now);
        // A build's artifact counts only when uploaded with this token, by this runner (the gateway adds the token as it sends).
        if (job.kind === 'build') {
          await tx.store.uploads.issue({ jobId: job.id, agentId: action.agentId, tokenHash: ctx.uploadTokens.hashFor({ jobId: job.id, agentId: action.agentId, commandId }) }, now);
        }
        await tx.emit('job.started', `${job.kind} job started on ${runner?.name ?? action.agentId}`, refs);
        tx.afterCommit(() => ctx.gateway.deliver(action.agentId));
        return;
      }
      case 'succeed-job': {
        if (action.artifact) await recordArtifact(tx, job, action.artifact, now);
        await tx.store.jobs.update(job.id, { status: 'succeeded', finishedAt: now });
        await tx.emit('job.succeeded', `${job.kind} job succeeded`, refs);
        return;
      }
      case 'fail-job': {
        if (action.cancelCommandId) await cancelCommand(tx, action.cancelCommandId, now);
        await tx.store.jobs.update(job.id, { status: 'failed', error: action.failure.reason, finishedAt: now });
        await tx.emit('job.failed', `${job.kind} job failed: ${action.failure.reason}`, refs);
      }
    }
  });
}

/** The build's version, with the artifact the runner uploaded with the job's token; the first build of a version keeps it. */
async function recordArtifact(tx: Tx, job: JobWithSpec, artifact: { sha256: string; size: number }, now: number): Promise<void> {
  if (job.owner.kind !== 'stage') return;
  const run = await tx.store.runs.get(job.owner.runId);
  if (!run) return;
  if (await tx.store.artifacts.get(run.projectId, run.version)) return;
  await tx.store.artifacts.create({ projectId: run.projectId, version: run.version, runId: run.id, sha256: artifact.sha256, size: artifact.size }, now);
}

/** A job's events name its run (or deployment) and project, so that project-wide feeds see them too. */
async function jobRefs(store: Store, job: Job): Promise<{ projectId: string | null; runId: string | null; deploymentId: string | null }> {
  if (job.owner.kind === 'stage') {
    return { projectId: (await store.runs.get(job.owner.runId))?.projectId ?? null, runId: job.owner.runId, deploymentId: null };
  }
  const deployment = await store.deployments.get(job.owner.deploymentId);
  return { projectId: deployment?.projectId ?? null, runId: deployment?.runId ?? null, deploymentId: job.owner.deploymentId };
}
