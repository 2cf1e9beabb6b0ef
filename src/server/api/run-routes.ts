// Runs: start one by hand, list them, show one with its stages, jobs and deployments, its log,
// approve a manual gate, and run a run's commit again.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ConflictError } from '../../base/errors.ts';
import type { RunDetail } from '../../core/api/answers.ts';
import type { Project, Run } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import type { ApiDeps } from './api-deps.ts';
import { requireSecret } from './auth-hooks.ts';
import { deploymentDetail } from './deployment-detail.ts';
import { parseInput } from './parse-input.ts';
import { findProject, findRun } from './project-lookup.ts';
import { runSummary } from './run-summary.ts';

type RunParams = { Params: { name: string; number: string } };

export function runRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;
  const admin = { preHandler: requireSecret(deps.tokens.admin, 'API token') };

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/runs', admin, async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const { ref } = parseInput(z.object({ ref: z.string().min(1).max(200).optional() }), request.body, 'run request');
    const run = await deps.trigger.runRef(project, ref ?? project.branch);
    deps.engine.wake();
    return reply.code(201).send(run);
  });

  app.get<{ Params: { name: string }; Querystring: { limit?: string } }>('/api/v1/projects/:name/runs', admin, async (request) => {
    const project = await findProject(store, request.params.name);
    const limit = Math.min(Math.max(Number(request.query.limit ?? 50) || 50, 1), 500);
    const runs = await store.runs.list(project.id, limit);
    return Promise.all(runs.map((run) => runSummary(store, run)));
  });

  app.get<RunParams>('/api/v1/projects/:name/runs/:number', admin, async (request) => {
    const project = await findProject(store, request.params.name);
    return runDetail(store, await findRun(store, project, request.params.number));
  });

  app.get<RunParams & { Querystring: { after?: string; limit?: string } }>('/api/v1/projects/:name/runs/:number/log', admin, async (request) => {
    const project = await findProject(store, request.params.name);
    const run = await findRun(store, project, request.params.number);
    const afterId = Number(request.query.after ?? 0) || 0;
    const limit = Math.min(Math.max(Number(request.query.limit ?? 1000) || 1000, 1), 10_000);
    return store.logs.list({ runId: run.id, afterId, limit });
  });

  app.post<RunParams>('/api/v1/projects/:name/runs/:number/approve', admin, async (request) => {
    const project = await findProject(store, request.params.name);
    const run = await findRun(store, project, request.params.number);
    const { env, by } = parseInput(z.object({ env: z.string().min(1), by: z.string().max(200).default('api') }), request.body, 'approval');
    return approve(deps, project, run, env, by);
  });

  // A new run of the same commit (trigger manual): the way to retry a run that failed for a
  // passing reason (a runner went away, a flaky acceptance test).
  app.post<RunParams>('/api/v1/projects/:name/runs/:number/rerun', admin, async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const run = await findRun(store, project, request.params.number);
    const again = await deps.trigger.runRef(project, run.sha);
    deps.engine.wake();
    return reply.code(201).send(again);
  });
}

async function approve(deps: ApiDeps, project: Project, run: Run, env: string, by: string) {
  const stage = (await deps.store.runs.stages(run.id)).find((s) => s.kind === 'environment' && s.name === env);
  if (!stage) throw new ConflictError('SLIPWAY_NO_SUCH_STAGE', `run #${run.number} has no "${env}" stage`);
  if (stage.status !== 'awaiting_approval' && stage.status !== 'pending') {
    throw new ConflictError('SLIPWAY_NOT_AWAITING_APPROVAL', `stage "${env}" of run #${run.number} is ${stage.status.replace('_', ' ')}, not waiting for approval`);
  }
  await deps.store.runs.updateStage(stage.id, { approvedBy: by });
  await deps.events.emit('gate.approved', `${env} gate of run #${run.number} approved by ${by}`, { projectId: project.id, runId: run.id });
  deps.engine.wake();
  return { ...stage, approvedBy: by };
}

export async function runDetail(store: Store, run: Run): Promise<RunDetail> {
  const stages = await store.runs.stages(run.id);
  const deployments = [];
  for (const stage of stages) {
    if (!stage.deploymentId) continue;
    const deployment = await store.deployments.get(stage.deploymentId);
    if (deployment) deployments.push(await deploymentDetail(store, deployment));
  }
  return { ...run, stages, jobs: await store.jobs.listByRun(run.id), deployments };
}
