// Runs: start one by hand, list them, show one with its stages, jobs and deployments, its log,
// approve a manual gate, and run a run's commit again.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ConflictError, ForbiddenError } from '../../base/errors.ts';
import { approverOf, decideApproval } from '../../core/access/approval-rule.ts';
import type { RunDetail } from '../../core/api/answers.ts';
import type { Project, Run } from '../../core/model.ts';
import type { FastifyRequest } from 'fastify';
import type { Store } from '../../storage/store.ts';
import { audited, auditRequest } from '../auth/audit-requests.ts';
import { projectScope, requires } from '../auth/authorize-requests.ts';
import type { Tx } from '../engine/event-log.ts';
import type { ApiDeps } from './api-deps.ts';
import { deploymentDetail } from './deployment-detail.ts';
import { parseInput } from './parse-input.ts';
import { findProject, findRun } from './project-lookup.ts';
import { runSummary } from './run-summary.ts';
import { wholeNumberParameter } from './whole-number.ts';

type RunParams = { Params: { name: string; number: string } };

/** A limit the route clamps to its range (the CLI passes --limit as typed), but only a whole number. */
const limit = (fallback: number, max: number) => wholeNumberParameter('a number of items').default(fallback).transform((n) => Math.min(Math.max(n, 1), max));
const listQuery = z.object({ limit: limit(50, 500) });
const logQuery = z.object({ after: wholeNumberParameter('a log line id').default(0), limit: limit(1000, 10_000) });

export function runRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;
  const read = requires('project.read', projectScope);
  const start = requires('run.start', projectScope);

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/runs', audited('run.start', start), async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const { ref } = parseInput(z.object({ ref: z.string().min(1).max(200).optional() }), request.body, 'run request');
    // The trigger wakes the engine for the run it creates.
    const run = await deps.trigger.runRef(project, ref ?? project.branch, request.principal.name, auditRun(request, project, ref ?? project.branch));
    return reply.code(201).send(run);
  });

  app.get<{ Params: { name: string } }>('/api/v1/projects/:name/runs', read, async (request) => {
    const { limit } = parseInput(listQuery, request.query, 'run list query');
    const project = await findProject(store, request.params.name);
    const runs = await store.runs.list(project.id, limit);
    return Promise.all(runs.map((run) => runSummary(store, run)));
  });

  app.get<RunParams>('/api/v1/projects/:name/runs/:number', read, async (request) => {
    const project = await findProject(store, request.params.name);
    return runDetail(store, await findRun(store, project, request.params.number));
  });

  app.get<RunParams>('/api/v1/projects/:name/runs/:number/log', read, async (request) => {
    const { after, limit } = parseInput(logQuery, request.query, 'run log query');
    const project = await findProject(store, request.params.name);
    const run = await findRun(store, project, request.params.number);
    return store.logs.list({ runId: run.id, afterId: after, limit });
  });

  app.post<RunParams>('/api/v1/projects/:name/runs/:number/approve', audited('stage.approve', requires('stage.approve', projectScope)), async (request) => {
    const project = await findProject(store, request.params.name);
    const run = await findRun(store, project, request.params.number);
    const { env } = parseInput(z.object({ env: z.string().min(1) }), request.body, 'approval');
    return approve(deps, project, run, env, request);
  });

  // A new run of the same commit (trigger manual): the way to retry a run that failed for a
  // passing reason (a runner went away, a flaky acceptance test).
  app.post<RunParams>('/api/v1/projects/:name/runs/:number/rerun', audited('run.rerun', start), async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const run = await findRun(store, project, request.params.number);
    const again = await deps.trigger.runRef(project, run.sha, request.principal.name, auditRun(request, project, run.sha, run.number));
    return reply.code(201).send(again);
  });
}

/**
 * Applies the approval rule (core/access): records the principal's approval, one row per approver,
 * and opens the gate (the stage's approvedBy: every approver's name) at the last one required.
 */
/** Audits a run started by `request`, in the run's transaction. */
function auditRun(request: FastifyRequest, project: Project, ref: string, of?: number) {
  return (tx: Tx, run: Run) => auditRequest(tx, request, {
    target: `run:${project.name}#${run.number}`, project: project.name,
    message: of === undefined ? `run #${run.number} of ${ref}` : `run #${run.number}: run #${of} again`,
    after: { number: run.number, sha: run.sha, ref: run.ref, status: run.status },
  });
}

async function approve(deps: ApiDeps, project: Project, run: Run, env: string, request: FastifyRequest) {
  const approver = approverOf(request.principal);
  // Decided on the run, its stages and the approvals as the transaction reads them, and recorded
  // only when this approver has not approved meanwhile: two approvals by one person count once.
  const stage = await deps.events.transaction(async (tx) => {
    const now = (await tx.store.runs.get(run.id)) ?? run;
    const stages = await tx.store.runs.stages(run.id);
    const target = stages.find((s) => s.kind === 'environment' && s.name === env);
    const approvals = target ? await tx.store.runs.approvals(target.id) : [];
    const decision = decideApproval({ run: now, stages, env, approver, approvals });
    if (decision.kind === 'refused') {
      if (decision.code === 'SLIPWAY_APPROVER_IS_AUTHOR') throw new ForbiddenError(decision.code, decision.message);
      throw new ConflictError(decision.code, decision.message);
    }
    const at = deps.clock.now();
    if (!(await tx.store.runs.addApproval({ stageId: decision.stage.id, approverKey: approver.key, approver: approver.name, at }))) {
      throw new ConflictError('SLIPWAY_ALREADY_APPROVED', `${approver.name} already approved stage "${env}" of run #${run.number}`);
    }
    // Counted again after recording: addApproval waited for any approval of this stage in flight.
    const names = (await tx.store.runs.approvals(decision.stage.id)).map((a) => a.approver);
    if (names.length < decision.required) {
      await tx.emit('gate.approval_counted', `${env} gate of run #${run.number} approved by ${approver.name} (${names.length} of ${decision.required})`,
        { projectId: project.id, runId: run.id, actor: approver.name, data: { approvers: names, required: decision.required } });
      await auditApproval(tx, request, project, run, env, names, decision.required, null);
      return { ...decision.stage, approvedBy: null };
    }
    const by = names.join(', ');
    if (!(await tx.store.runs.approveStage(decision.stage.id, by))) {
      throw new ConflictError('SLIPWAY_ALREADY_APPROVED', `stage "${env}" of run #${run.number} was approved meanwhile`);
    }
    await tx.emit('gate.approved', `${env} gate of run #${run.number} approved by ${by}`,
      { projectId: project.id, runId: run.id, actor: approver.name, data: { approvers: names, required: decision.required } });
    await auditApproval(tx, request, project, run, env, names, decision.required, by);
    return { ...decision.stage, approvedBy: by };
  });
  deps.wakeEngine();
  return stage;
}

function auditApproval(tx: Tx, request: FastifyRequest, project: Project, run: Run, env: string, approvers: string[], required: number, openedBy: string | null) {
  return auditRequest(tx, request, {
    target: `stage:${project.name}#${run.number}/${env}`, project: project.name,
    message: openedBy === null ? `approval ${approvers.length} of ${required}` : `gate opened by ${openedBy}`,
    before: { approvers: approvers.filter((a) => a !== request.principal.name) }, after: { approvers, required, open: openedBy !== null },
  });
}

/** The run as `GET …/runs/:number` answers it: each stage's deployment then its rehearsal, and the version's rollback safety. */
export async function runDetail(store: Store, run: Run): Promise<RunDetail> {
  const stages = await store.runs.stages(run.id);
  const deployments = [];
  for (const stage of stages) {
    for (const id of [stage.deploymentId, stage.rehearsalId]) {
      const deployment = id ? await store.deployments.get(id) : undefined;
      if (deployment) deployments.push(await deploymentDetail(store, deployment));
    }
  }
  const artifact = await store.artifacts.get(run.projectId, run.version);
  return { ...run, stages, jobs: await store.jobs.listByRun(run.id), deployments, rollbackSafety: artifact?.rollbackSafety ?? null };
}
