// Deployments by hand: deploy a version, roll an environment back to known-good, show one.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../base/errors.ts';
import { rollbackTarget, startDeployment } from '../engine/start-deployment.ts';
import type { ApiDeps } from './api-deps.ts';
import { projectScope, requirePermission, requires } from '../auth/authorize-requests.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';

const deployBody = z.object({
  version: z.string().min(1),
  env: z.string().min(1),
  force: z.boolean().default(false),
});

export function deploymentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/deployments', requires('deployment.deploy', projectScope), async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const body = parseInput(deployBody, request.body, 'deployment');
    if (body.force) requirePermission(request.principal, 'deployment.force', { project: project.name, env: body.env });
    const by = request.principal.name;
    const deployment = await startDeployment({ store, events: deps.events, now: deps.clock.now() }, {
      project, env: body.env, version: body.version, runId: null, kind: 'deploy', forced: body.force, requestedBy: by, actor: by,
    });
    deps.engine.wake();
    return reply.code(201).send(deployment);
  });

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/rollback', requires('deployment.rollback', projectScope), async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const body = parseInput(z.object({ env: z.string().min(1) }), request.body, 'rollback');
    const by = request.principal.name;
    const target = await rollbackTarget(store, project, body.env);
    const deployment = await startDeployment({ store, events: deps.events, now: deps.clock.now() }, {
      project, env: body.env, version: target.version, runId: null, kind: 'rollback', forced: true, requestedBy: by, actor: by,
    });
    if (target.leaving) {
      await store.artifacts.quarantine(project.id, target.leaving, `${body.env}: rolled back by ${by}`, deps.clock.now());
    }
    deps.engine.wake();
    return reply.code(201).send(deployment);
  });

  app.get<{ Params: { id: string } }>('/api/v1/deployments/:id', requires('project.read'), async (request) => {
    const deployment = await store.deployments.get(request.params.id);
    if (!deployment) throw new NotFoundError('SLIPWAY_DEPLOYMENT_NOT_FOUND', `no deployment ${request.params.id}`);
    return { ...deployment, hosts: await store.deployments.hosts(deployment.id) };
  });

  app.get('/api/v1/agents', requires('agent.read'), async () => (await store.agents.list()).map(({ ...agent }) => agent));
}
