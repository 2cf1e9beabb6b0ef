// Performs what the run planner decides for one run, each action in one transaction with its
// event: queues its build and verify jobs, starts its deployments, records its stages and its end.
import { ConflictError, SlipwayError } from '../../base/errors.ts';
import { planRun, type RehearsalHost, type RunAction, type RunView } from '../../core/pipeline/run-planner.ts';
import type { Deployment, DeploymentHost, JobOwner, Project, Run } from '../../core/model.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import type { Tx } from './event-log.ts';
import { queueJob, targetUrls } from './queue-job.ts';
import { startDeployment, startRehearsal } from './start-deployment.ts';

/** Returns whether it did anything (then the engine looks again at once). */
export async function reconcileRun(ctx: EngineContext, run: Run, active: Deployment[], agents: AgentsById): Promise<boolean> {
  const { store } = ctx;
  const project = await store.projects.get(run.projectId);
  if (!project) return false;
  const stages = await store.runs.stages(run.id);
  const view: RunView = {
    run,
    stages,
    jobs: {},
    deployments: {},
    artifact: await store.artifacts.get(run.projectId, run.version),
    busyEnvs: active.filter((d) => d.projectId === run.projectId).map((d) => d.env),
    newestRunPerEnv: await newestRunPerEnv(ctx, run),
  };
  view.rehearsalHosts = {};
  for (const stage of stages) {
    if (stage.jobId) view.jobs[stage.jobId] = await store.jobs.get(stage.jobId);
    if (stage.rehearsalId) view.deployments[stage.rehearsalId] = await store.deployments.get(stage.rehearsalId);
    if (!stage.deploymentId) continue;
    const deployment = await store.deployments.get(stage.deploymentId);
    view.deployments[stage.deploymentId] = deployment;
    if (deployment?.migration?.state === 'succeeded' && stage.rehearsalId === null) {
      view.rehearsalHosts[deployment.id] = rehearsalHost(await store.deployments.hosts(deployment.id), deployment.version);
      const later = await laterDeployment(ctx, deployment);
      if (later) (view.envMovedOn ??= {})[deployment.id] = later;
    }
  }
  const actions = planRun(view);
  for (const action of actions) {
    // Another instance may run the engine by now (see EngineContext.holdsLease).
    if (!ctx.holdsLease()) break;
    await ctx.events.transaction((tx) => apply(ctx, tx, project, run, view, agents, action));
  }
  return actions.length > 0;
}

async function apply(ctx: EngineContext, tx: Tx, project: Project, run: Run, view: RunView, agents: AgentsById, action: RunAction): Promise<void> {
  const { store } = tx;
  const now = ctx.clock.now();
  const refs = { projectId: project.id, runId: run.id };
  const config = run.config!;
  switch (action.type) {
    case 'start-run':
      await store.runs.update(run.id, { status: 'running' });
      await tx.emit('run.started', `run #${run.number} of ${project.name} started for ${run.sha.slice(0, 7)} "${run.message}"`, refs);
      return;
    case 'create-build-job': {
      const job = await queueJob(tx, now, project, run, stageOwner(run, action.stageId), 'build', config.build.steps, { artifactPaths: config.build.artifact });
      await store.runs.updateStage(action.stageId, { status: 'running', jobId: job.id, startedAt: now });
      await tx.emit('job.queued', `build job queued for ${run.sha.slice(0, 7)}`, refs);
      return;
    }
    case 'create-verify-job': {
      const deployment = view.deployments[view.stages.find((s) => s.id === action.stageId)?.deploymentId ?? ''];
      const hosts = deployment ? await tx.store.deployments.hosts(deployment.id) : [];
      const targets = targetUrls(config, hosts.map((h) => h.agentId), agents);
      const steps = config.environments[action.env]?.verify ?? [];
      const job = await queueJob(tx, now, project, run, stageOwner(run, action.stageId), 'verify', steps, { env: { SLIPWAY_TARGETS: targets.join(','), SLIPWAY_ENV: action.env } });
      await store.runs.updateStage(action.stageId, { status: 'verifying', jobId: job.id });
      await tx.emit('verify.started', `verify of ${action.env} started against ${targets.join(', ')}`, refs);
      return;
    }
    case 'create-rehearsal': {
      const rehearsal = await startRehearsal(tx, now, { project, env: action.env, version: run.version, runId: run.id, requestedBy: `run #${run.number}`, host: action.host })
        .catch((err: unknown) => {
          // Another deployment took the environment since this pass looked: the next pass asks again.
          if (err instanceof ConflictError && err.code === 'SLIPWAY_DEPLOYMENT_ACTIVE') return undefined;
          throw err;
        });
      if (!rehearsal) return;
      await store.runs.updateStage(action.stageId, { status: 'rehearsing', rehearsalId: rehearsal.id });
      await tx.emit('stage.updated', `stage ${action.env} rehearsing the rollback on ${action.host.hostName}`, { ...refs, data: { stage: action.env, status: 'rehearsing' } });
      return;
    }
    case 'create-deployment': {
      const outcome = await startDeployment(tx, now, {
        project, env: action.env, version: run.version, runId: run.id, kind: 'deploy', forced: false, requestedBy: `run #${run.number}`,
      }).catch((err: unknown) => {
        // The version's artifact or run is gone: the stage cannot deploy it.
        if (err instanceof SlipwayError) return { started: false as const, refusal: { kind: 'input' as const, code: err.code, message: err.message } };
        throw err;
      });
      if (outcome.started) {
        // In the same transaction: a deployment is never left without the stage that waits for it.
        await store.runs.updateStage(action.stageId, { status: 'deploying', deploymentId: outcome.deployment.id, startedAt: now });
      } else if (outcome.refusal.code !== 'SLIPWAY_DEPLOYMENT_ACTIVE') {
        await store.runs.updateStage(action.stageId, { status: 'failed', error: outcome.refusal.message, finishedAt: now });
        await tx.emit('stage.updated', `stage ${action.env} failed: ${outcome.refusal.message}`, { ...refs, data: { stage: action.env, status: 'failed' } });
      }
      // The environment is busy with another deployment: the stage waits for the next pass.
      return;
    }
    case 'update-stage': {
      const ends = ['succeeded', 'failed', 'skipped'].includes(action.patch.status);
      await store.runs.updateStage(action.stageId, { ...action.patch, ...(ends ? { finishedAt: now } : {}) });
      const stage = view.stages.find((s) => s.id === action.stageId);
      const why = action.patch.error ? `: ${action.patch.error}` : '';
      await tx.emit('stage.updated', `stage ${stage?.name ?? ''} ${action.patch.status.replace('_', ' ')}${why}`, { ...refs, data: { stage: stage?.name, status: action.patch.status } });
      return;
    }
    case 'finish-run':
      await store.runs.update(run.id, { status: action.status, error: action.error ?? null, finishedAt: now });
      await tx.emit(`run.${action.status}`, `run #${run.number} of ${project.name} ${action.status}${action.error ? `: ${action.error}` : ''}`, refs);
  }
}

/** The plan's first host that ran an earlier version before the deployment, and that version. */
function rehearsalHost(hosts: DeploymentHost[], version: string): RehearsalHost | null {
  const host = hosts.find((h) => h.previousVersion !== null && h.previousVersion !== version);
  return host ? { agentId: host.agentId, hostName: host.hostName, previousVersion: host.previousVersion! } : null;
}

/**
 * The newest deployment of `deployment`'s environment (not a rehearsal) that began after it, in
 * words, or null. The engine does one thing at a time, so none can begin and end between this
 * look and the rehearsal it lets start (one that began would hold the environment).
 */
async function laterDeployment(ctx: EngineContext, deployment: Deployment): Promise<string | null> {
  const recent = await ctx.store.deployments.list(deployment.projectId, { env: deployment.env, limit: 20 });
  const index = recent.findIndex((d) => d.id === deployment.id);
  const later = (index === -1 ? recent : recent.slice(0, index)).find((d) => d.kind !== 'rehearsal');
  if (!later) return null;
  return later.kind === 'rollback' ? `rollback to ${later.version} (by ${later.requestedBy})` : `deployment of ${later.version} (by ${later.requestedBy})`;
}

function stageOwner(run: Run, stageId: string): JobOwner {
  return { kind: 'stage', runId: run.id, stageId };
}

/** Per environment, the newest run of the project newer than `run` whose stage there went past pending. */
async function newestRunPerEnv(ctx: EngineContext, run: Run): Promise<Record<string, number>> {
  const newest: Record<string, number> = {};
  for (const other of await ctx.store.runs.list(run.projectId, 20)) {
    if (other.number <= run.number) break;
    for (const stage of await ctx.store.runs.stages(other.id)) {
      if (stage.kind === 'environment' && stage.status !== 'pending' && stage.status !== 'skipped') {
        newest[stage.name] = Math.max(newest[stage.name] ?? 0, other.number);
      }
    }
  }
  return newest;
}
