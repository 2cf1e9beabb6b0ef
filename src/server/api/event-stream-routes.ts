// The live feed of what happens (run started, host healthy, rollback begun, …) as Server-Sent
// Events: stored events after the client's Last-Event-ID first, then new ones as they are stored
// (by any server instance, through the shared event feed).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EventView } from '../../core/api/answers.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import type { ApiDeps } from './api-deps.ts';
import { queryProjectScope, requiresSome } from '../auth/authorize-requests.ts';
import { visibleProjects } from '../auth/visible-projects.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';
import { resumableSse } from './resumable-sse.ts';
import { resumePoint } from './sse.ts';
import { wholeNumberParameter } from './whole-number.ts';

const streamQuery = z.object({
  project: z.string().min(1).optional(),
  run: z.string().min(1).optional(),
  deployment: z.string().min(1).optional(),
  after: wholeNumberParameter('an event id').optional(),
});

interface EventFilter {
  projectId?: string;
  /** The projects the caller reads, when it does not read them all (for the store). */
  projectIds?: readonly string[];
  /** Whether the caller reads a record of this project (null: of none). */
  shows: (projectId: string | null) => boolean;
  runId?: string;
  deploymentId?: string;
}

const replayPage = 500;

/**
 * `GET /api/v1/events/stream?project=&run=&deployment=`: `event: event`, `id: <event id>`,
 * `data: SlipwayEvent`, for the events matching every filter given. With a Last-Event-ID header
 * (or `after=`), the stored events after that id come first, then live ones, with neither a gap
 * nor a duplicate between the two; without one, only events emitted from now on. The listener is
 * in place before the response starts, so a client that has the headers misses nothing after.
 */
export function eventStreamRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'store' | 'events' | 'eventFeed'>): void {
  const streams = resumableSse(app);

  // As GET /api/v1/events: the events of the projects the caller reads, as of when the stream opened.
  app.get('/api/v1/events/stream', requiresSome('project.read', queryProjectScope), async (request, reply) => {
    const query = parseInput(streamQuery, request.query, 'event stream query');
    const projectId = query.project ? (await findProject(deps.store, query.project)).id : undefined;
    const { projectIds, shows } = await visibleProjects(deps.store, request);
    const filter: EventFilter = { projectId, projectIds, shows, runId: query.run, deploymentId: query.deployment };
    await streams.serve<EventView>(request, reply, resumePoint(request, query.after), {
      event: 'event',
      idOf: (event) => event.id,
      subscribe: (deliver) => deps.eventFeed
        ? deps.eventFeed.subscribe((events) => {
          const matching = events.filter((event) => matches(filter, event));
          if (matching.length > 0) deliver(matching);
        })
        : deps.events.subscribe((event) => {
          if (matches(filter, event)) deliver([event]);
        }),
      replay: (afterId, limit) => deps.store.events.list({
        projectId: filter.projectId, projectIds: filter.projectIds, runId: filter.runId, deploymentId: filter.deploymentId, afterId, limit,
      }),
      pageSize: replayPage,
    });
  });
}

function matches(filter: EventFilter, event: SlipwayEvent): boolean {
  return (filter.projectId === undefined || event.projectId === filter.projectId)
    && filter.shows(event.projectId)
    && (filter.runId === undefined || event.runId === filter.runId)
    && (filter.deploymentId === undefined || event.deploymentId === filter.deploymentId);
}
