// Deployments by hand: deploy a version, roll an environment back to known-good, show one.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../base/errors.ts';
import { rollbackTarget, startDeployment, startedOrThrow } from '../engine/start-deployment.ts';
import type { ApiDeps } from './api-deps.ts';
import { deploymentDetail } from './deployment-detail.ts';
import { requireSecret } from './auth-hooks.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';

const deployBody = z.object({
  version: z.string().min(1),
  env: z.string().min(1),
  force: z.boolean().default(false),
  by: z.string().max(200).default('api'),
});

export function deploymentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;
  const admin = { preHandler: requireSecret(deps.tokens.admin, 'API token') };

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/deployments', admin, async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const body = parseInput(deployBody, request.body, 'deployment');
    const deployment = await deps.events.transaction(async (tx) => startedOrThrow(await startDeployment(tx, deps.clock.now(), {
      project, env: body.env, version: body.version, runId: null, kind: 'deploy', forced: body.force, requestedBy: body.by,
    })));
    deps.engine.wake();
    return reply.code(201).send(deployment);
  });

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/rollback', admin, async (request, reply) => {
    const project = await findProject(store, request.params.name);
    const body = parseInput(z.object({ env: z.string().min(1), by: z.string().max(200).default('api') }), request.body, 'rollback');
    const deployment = await deps.events.transaction(async (tx) => {
      const now = deps.clock.now();
      const target = await rollbackTarget(tx.store, project, body.env);
      const started = startedOrThrow(await startDeployment(tx, now, {
        project, env: body.env, version: target.version, runId: null, kind: 'rollback', forced: true, requestedBy: body.by,
      }));
      if (target.leaving) await tx.store.artifacts.quarantine(project.id, target.leaving, `${body.env}: rolled back by ${body.by}`, now);
      return started;
    });
    deps.engine.wake();
    return reply.code(201).send(deployment);
  });

  app.get<{ Params: { id: string } }>('/api/v1/deployments/:id', admin, async (request) => {
    const deployment = await store.deployments.get(request.params.id);
    if (!deployment) throw new NotFoundError('SLIPWAY_DEPLOYMENT_NOT_FOUND', `no deployment ${request.params.id}`);
    return deploymentDetail(store, deployment);
  });

  app.get('/api/v1/agents', admin, async () => (await store.agents.list()).map(({ ...agent }) => agent));
}
