// Performs what the run planner decides for one run: queues its build and verify jobs, starts its
// deployments, and records its stages and its end.
import { ConflictError, errorMessage, SlipwayError } from '../../base/errors.ts';
import { newId } from '../../base/ids.ts';
import { planRun, type RunAction, type RunView } from '../../core/pipeline/run-planner.ts';
import type { Deployment, Job, Project, Run, SlipwayConfig } from '../../core/model.ts';
import type { StepConfig } from '../../core/pipeline/slipway-config.ts';
import type { JobSpec, JobStep } from '../../core/protocol/messages.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import { startDeployment } from './start-deployment.ts';
import { appUrl } from './version-config.ts';

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
  for (const stage of stages) {
    if (stage.jobId) view.jobs[stage.jobId] = await store.jobs.get(stage.jobId);
    if (stage.deploymentId) view.deployments[stage.deploymentId] = await store.deployments.get(stage.deploymentId);
  }
  const actions = planRun(view);
  for (const action of actions) await apply(ctx, project, run, view, agents, action);
  return actions.length > 0;
}

async function apply(ctx: EngineContext, project: Project, run: Run, view: RunView, agents: AgentsById, action: RunAction): Promise<void> {
  const { store, events } = ctx;
  const now = ctx.clock.now();
  const refs = { projectId: project.id, runId: run.id };
  const config = run.config!;
  switch (action.type) {
    case 'start-run':
      await store.runs.update(run.id, { status: 'running' });
      await events.emit('run.started', `run #${run.number} of ${project.name} started for ${run.sha.slice(0, 7)} "${run.message}"`, refs);
      return;
    case 'create-build-job': {
      const job = await queueJob(ctx, project, run, action.stageId, 'build', config.build.steps, { artifactPaths: config.build.artifact });
      await store.runs.updateStage(action.stageId, { status: 'running', jobId: job.id, startedAt: now });
      return;
    }
    case 'create-verify-job': {
      const deployment = view.deployments[view.stages.find((s) => s.id === action.stageId)?.deploymentId ?? ''];
      const targets = deployment ? await targetUrls(ctx, config, deployment, agents) : [];
      const steps = config.environments[action.env]?.verify ?? [];
      const job = await queueJob(ctx, project, run, action.stageId, 'verify', steps, { env: { SLIPWAY_TARGETS: targets.join(','), SLIPWAY_ENV: action.env } });
      await store.runs.updateStage(action.stageId, { status: 'verifying', jobId: job.id });
      await events.emit('verify.started', `verify of ${action.env} started against ${targets.join(', ')}`, refs);
      return;
    }
    case 'create-deployment': {
      try {
        const deployment = await startDeployment({ store, events, now }, {
          project, env: action.env, version: run.version, runId: run.id, kind: 'deploy', forced: false, requestedBy: `run #${run.number}`,
        });
        await store.runs.updateStage(action.stageId, { status: 'deploying', deploymentId: deployment.id, startedAt: now });
      } catch (err) {
        if (err instanceof ConflictError && err.code === 'SLIPWAY_DEPLOYMENT_ACTIVE') return; // the env is busy: try again next tick
        if (!(err instanceof SlipwayError)) throw err;
        await store.runs.updateStage(action.stageId, { status: 'failed', error: errorMessage(err), finishedAt: now });
      }
      return;
    }
    case 'update-stage': {
      const ends = ['succeeded', 'failed', 'skipped'].includes(action.patch.status);
      await store.runs.updateStage(action.stageId, { ...action.patch, ...(ends ? { finishedAt: now } : {}) });
      const stage = view.stages.find((s) => s.id === action.stageId);
      const why = action.patch.error ? `: ${action.patch.error}` : '';
      await events.emit('stage.updated', `stage ${stage?.name ?? ''} ${action.patch.status.replace('_', ' ')}${why}`, { ...refs, data: { stage: stage?.name, status: action.patch.status } });
      return;
    }
    case 'finish-run':
      await store.runs.update(run.id, { status: action.status, error: action.error ?? null, finishedAt: now });
      await events.emit(`run.${action.status}`, `run #${run.number} of ${project.name} ${action.status}${action.error ? `: ${action.error}` : ''}`, refs);
  }
}

async function queueJob(ctx: EngineContext, project: Project, run: Run, stageId: string, kind: Job['kind'], steps: StepConfig[], extra: Partial<JobSpec>): Promise<Job> {
  const jobId = newId();
  const spec: JobSpec = {
    jobId, runId: run.id, kind, project: project.name, sha: run.sha, version: run.version,
    sourcePath: `/api/v1/projects/${encodeURIComponent(project.name)}/source/${run.sha}`,
    steps: steps.map(toJobStep), artifactPaths: [], env: {}, ...extra,
  };
  return ctx.store.jobs.create({ runId: run.id, stageId, kind, spec }, ctx.clock.now());
}

function toJobStep(step: StepConfig): JobStep {
  return { name: step.name, run: step.run, timeoutMs: step.timeoutMs };
}

async function targetUrls(ctx: EngineContext, config: SlipwayConfig, deployment: Deployment, agents: AgentsById): Promise<string[]> {
  const hosts = await ctx.store.deployments.hosts(deployment.id);
  return hosts.flatMap((h) => {
    const agent = agents.get(h.agentId);
    return agent ? [appUrl(config, agent)] : [];
  });
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
