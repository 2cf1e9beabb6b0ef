// The server's own record of what happened (run started, host healthy, rollback begun, …), paged.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from './api-deps.ts';
import { queryProjectScope, requiresSome } from '../auth/authorize-requests.ts';
import { visibleProjects } from '../auth/visible-projects.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';
import { wholeNumberParameter } from './whole-number.ts';

const eventQuery = z.object({
  project: z.string().optional(),
  run: z.string().optional(),
  deployment: z.string().optional(),
  after: wholeNumberParameter('an event id').default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export function eventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // The events of the projects the caller reads; those about no project (agents, users) only to who reads all.
  app.get('/api/v1/events', requiresSome('project.read', queryProjectScope), async (request) => {
    const query = parseInput(eventQuery, request.query, 'event query');
    const projectId = query.project ? (await findProject(deps.store, query.project)).id : undefined;
    const { projectIds } = await visibleProjects(deps.store, request);
    return deps.store.events.list({ afterId: query.after, limit: query.limit, projectId, projectIds, runId: query.run, deploymentId: query.deployment });
  });
}
