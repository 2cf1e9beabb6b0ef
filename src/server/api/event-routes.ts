// The server's own record of what happened (run started, host healthy, rollback begun, …), paged.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from './api-deps.ts';
import { requires } from '../auth/authorize-requests.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';

const eventQuery = z.object({
  project: z.string().optional(),
  run: z.string().optional(),
  deployment: z.string().optional(),
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export function eventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/events', requires('project.read'), async (request) => {
    const query = parseInput(eventQuery, request.query, 'event query');
    const projectId = query.project ? (await findProject(deps.store, query.project)).id : undefined;
    return deps.store.events.list({ afterId: query.after, limit: query.limit, projectId, runId: query.run, deploymentId: query.deployment });
  });
}
