// Deployments by hand: deploy a version, roll an environment back to known-good, show one.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../base/errors.ts';
import { rollbackTarget, startDeployment, startedOrThrow } from '../engine/start-deployment.ts';
import type { ApiDeps } from './api-deps.ts';
import { audited, auditRequest } from '../auth/audit-requests.ts';
import { projectScope, requirePermission, requires, requiresSome } from '../auth/authorize-requests.ts';
import { deploymentScope } from '../auth/record-scope.ts';
import { visibleProjects } from '../auth/visible-projects.ts';
import { deploymentDetail } from './deployment-detail.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';

const deployBody = z.object({
  version: z.string().min(1),
  env: z.string().min(1),
  force: z.boolean().default(false),
});

export function deploymentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/deployments', audited('deployment.deploy', requires('deployment.deploy', projectScope)), async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const body = parseInput(deployBody, request.body, 'deployment');
    if (body.force) requirePermission(request.principal, 'deployment.force', { project: project.name, env: body.env });
    const by = request.principal.name;
    const deployment = await deps.events.transaction(async (tx) => {
      const started = startedOrThrow(await startDeployment(tx, deps.clock.now(), {
        project, env: body.env, version: body.version, runId: null, kind: 'deploy', forced: body.force, requestedBy: by, actor: by,
      }));
      await auditRequest(tx, request, {
        action: body.force ? 'deployment.force' : 'deployment.deploy', target: `env:${project.name}/${body.env}`, project: project.name,
        message: `deployment ${started.id} of ${body.version}${body.force ? ' (forced)' : ''}`,
        after: { deployment: started.id, version: body.version, forced: body.force },
      });
      return started;
    });
    deps.wakeEngine();
    return reply.code(201).send(deployment);
  });

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/rollback', audited('deployment.rollback', requires('deployment.rollback', projectScope)), async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const body = parseInput(z.object({ env: z.string().min(1) }), request.body, 'rollback');
    const by = request.principal.name;
    // The rollback and the quarantine of the version it leaves: one transaction.
    const deployment = await deps.events.transaction(async (tx) => {
      const now = deps.clock.now();
      const target = await rollbackTarget(tx.store, project, body.env);
      const started = startedOrThrow(await startDeployment(tx, now, {
        project, env: body.env, version: target.version, runId: null, kind: 'rollback', forced: true, requestedBy: by, actor: by,
      }));
      if (target.leaving) await tx.store.artifacts.quarantine(project.id, target.leaving, `${body.env}: rolled back by ${by}`, now);
      await auditRequest(tx, request, {
        target: `env:${project.name}/${body.env}`, project: project.name, message: `deployment ${started.id} back to ${target.version}`,
        before: { version: target.leaving }, after: { deployment: started.id, version: target.version, quarantined: target.leaving },
      });
      return started;
    });
    deps.wakeEngine();
    return reply.code(201).send(deployment);
  });

  app.get<{ Params: { id: string } }>('/api/v1/deployments/:id', requires('project.read', deploymentScope(store)), async (request) => {
    const deployment = await store.deployments.get(request.params.id);
    if (!deployment) throw new NotFoundError('SLIPWAY_DEPLOYMENT_NOT_FOUND', `no deployment ${request.params.id}`);
    return deploymentDetail(store, deployment);
  });

  // The hosts are shared by every project (an environment picks them by label) and a deployment's
  // detail names its hosts anyway: whoever reads any project sees them, to follow their own
  // deployments. What each host runs names other projects' apps and versions, and an app cannot be
  // told to belong to one project (two slipway.yml may name the same app): only who reads every
  // project sees `apps`; others get it empty.
  app.get('/api/v1/agents', requiresSome('agent.read'), async (request) => {
    const [agents, visible] = await Promise.all([store.agents.list(), visibleProjects(store, request)]);
    return agents.map((agent) => (visible.all ? agent : { ...agent, apps: [] }));
  });
}
