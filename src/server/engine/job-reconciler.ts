// Jobs on runners: gives queued jobs to idle runners, and records what finished or was lost.
import { formatLimit } from '../../base/duration.ts';
import { errorMessage } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import { isAgentLost } from '../../core/deploy/agent-liveness.ts';
import type { Job } from '../../core/model.ts';
import type { CommandResult } from '../../core/protocol/messages.ts';
import type { JobWithSpec } from '../../storage/store.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';

/** Something that can say whether an uploaded artifact is really stored, and its size. */
export interface BlobSizes {
  size(sha256: string): Promise<number | undefined>;
}

/** Returns whether it did anything (then the engine looks again at once). */
export async function reconcileJobs(ctx: EngineContext & { blobs: BlobSizes }, agents: AgentsById): Promise<boolean> {
  const active = await ctx.store.jobs.listActive();
  const running = active.filter((j) => j.status === 'running');
  let acted = false;
  for (const job of running) acted = (await reconcileRunningJob(ctx, job, agents)) || acted;
  for (const job of active.filter((j) => j.status === 'queued')) acted = (await expireQueuedJob(ctx, job)) || acted;
  return (await dispatch(ctx, agents, running)) || acted;
}

/** A job no runner took in time fails, so that its run ends instead of waiting for ever. */
async function expireQueuedJob(ctx: EngineContext, job: Job): Promise<boolean> {
  if (ctx.clock.now() - job.createdAt <= ctx.limits.jobQueueTimeoutMs) return false;
  await failJob(ctx, job, `no runner (an agent labelled role=runner) took the job within ${formatLimit(ctx.limits.jobQueueTimeoutMs)}`);
  return true;
}

async function reconcileRunningJob(ctx: EngineContext & { blobs: BlobSizes }, job: Job, agents: AgentsById): Promise<boolean> {
  const { store } = ctx;
  const now = ctx.clock.now();
  const full = await store.jobs.get(job.id);
  if (!full || !job.commandId || !job.agentId) return false;
  const command = await store.commands.get(job.commandId);
  const agent = agents.get(job.agentId);
  if (!command) {
    // The server stopped between claiming the job and writing its command down.
    await store.commands.create({ id: job.commandId, agentId: job.agentId, command: { kind: 'job', job: full.spec } }, now);
    await ctx.gateway.deliver(job.agentId);
    return true;
  }
  if (command.result) {
    await finishJob(ctx, full, command.result);
    return true;
  }
  const failure = !agent || isAgentLost(agent, now, ctx.limits)
    ? `runner ${agent?.name ?? job.agentId} was lost while running the job`
    : job.startedAt !== null && now - job.startedAt > jobTimeoutMs(full)
      ? `timed out after ${Math.round(jobTimeoutMs(full) / 1000)}s`
      : undefined;
  if (!failure) return false;
  await store.commands.complete(job.commandId, { ok: false, error: 'cancelled by the server' }, now);
  await failJob(ctx, full, failure);
  return true;
}

async function dispatch(ctx: EngineContext, agents: AgentsById, running: Job[]): Promise<boolean> {
  const busy = new Set(running.map((j) => j.agentId));
  const now = ctx.clock.now();
  const idle = [...agents.values()].filter((a) => a.labels.role === 'runner' && a.online && !busy.has(a.id) && !isAgentLost(a, now, ctx.limits));
  let dispatched = false;
  for (const runner of idle) {
    const commandId = newId();
    const job = await ctx.store.jobs.claimNext(runner.id, commandId, now);
    if (!job) return dispatched;
    dispatched = true;
    await ctx.store.commands.create({ id: commandId, agentId: runner.id, command: { kind: 'job', job: job.spec } }, now);
    await ctx.events.emit('job.started', `${job.kind} job started on ${runner.name}`, await jobRefs(ctx, job));
    await ctx.gateway.deliver(runner.id);
  }
  return dispatched;
}

async function finishJob(ctx: EngineContext & { blobs: BlobSizes }, job: JobWithSpec, result: CommandResult): Promise<void> {
  if (!result.ok) return failJob(ctx, job, result.error ?? 'the job failed');
  if (job.kind === 'build') {
    try {
      await recordArtifact(ctx, job, result);
    } catch (err) {
      return failJob(ctx, job, errorMessage(err));
    }
  }
  await ctx.store.jobs.update(job.id, { status: 'succeeded', finishedAt: ctx.clock.now() });
  await ctx.events.emit('job.succeeded', `${job.kind} job succeeded`, await jobRefs(ctx, job));
}

async function recordArtifact(ctx: EngineContext & { blobs: BlobSizes }, job: JobWithSpec, result: CommandResult): Promise<void> {
  const { store } = ctx;
  const artifact = result.artifact;
  if (!artifact) throw new Error('the runner reported no artifact');
  const stored = await ctx.blobs.size(artifact.sha256);
  if (stored !== artifact.size) throw new Error(`artifact ${artifact.sha256} was not uploaded completely (${stored ?? 0} of ${artifact.size} bytes)`);
  const run = job.owner.kind === 'stage' ? await store.runs.get(job.owner.runId) : undefined;
  if (!run) throw new Error('the run is gone');
  if (await store.artifacts.get(run.projectId, run.version)) return;
  await store.artifacts.create({ projectId: run.projectId, version: run.version, runId: run.id, sha256: artifact.sha256, size: artifact.size }, ctx.clock.now());
}

async function failJob(ctx: EngineContext, job: Job, error: string): Promise<void> {
  await ctx.store.jobs.update(job.id, { status: 'failed', error, finishedAt: ctx.clock.now() });
  await ctx.events.emit('job.failed', `${job.kind} job failed: ${error}`, await jobRefs(ctx, job));
}

function jobTimeoutMs(job: JobWithSpec): number {
  return job.spec.steps.reduce((sum, s) => sum + s.timeoutMs, 0) + 2 * 60_000;
}

/** A job's events name its owner (run or deployment) and project, so that project-wide feeds see them too. */
async function jobRefs(ctx: EngineContext, job: Job): Promise<{ projectId: string | null; runId: string | null; deploymentId: string | null }> {
  const { owner } = job;
  if (owner.kind === 'deployment') {
    return { projectId: (await ctx.store.deployments.get(owner.deploymentId))?.projectId ?? null, runId: null, deploymentId: owner.deploymentId };
  }
  return { projectId: (await ctx.store.runs.get(owner.runId))?.projectId ?? null, runId: owner.runId, deploymentId: null };
}
