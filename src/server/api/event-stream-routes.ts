// The live feed of what happens (run started, host healthy, rollback begun, …) as Server-Sent
// Events: stored events after the client's Last-Event-ID first, then new ones as they are emitted.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SlipwayEvent } from '../../core/model.ts';
import type { ApiDeps } from './api-deps.ts';
import { requires } from '../auth/authorize-requests.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';
import { openSse, type SseStream } from './sse.ts';

const streamQuery = z.object({
  project: z.string().min(1).optional(),
  run: z.string().min(1).optional(),
  deployment: z.string().min(1).optional(),
  after: z.coerce.number().int().nonnegative().optional(),
});

interface EventFilter {
  projectId?: string;
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
export function eventStreamRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'store' | 'events'>): void {
  const open = new Set<SseStream>();
  // Streams never end by themselves: close them, or the server's close would wait for the clients.
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.close();
    done();
  });

  app.get('/api/v1/events/stream', requires('project.read'), async (request, reply) => {
    const query = parseInput(streamQuery, request.query, 'event stream query');
    const projectId = query.project ? (await findProject(deps.store, query.project)).id : undefined;
    const filter: EventFilter = { projectId, runId: query.run, deploymentId: query.deployment };
    const from = resumePoint(request, query.after);

    const sent = new SentIds(from ?? 0);
    let buffer: SlipwayEvent[] | undefined = [];
    let opened: SseStream | undefined;
    const send = (event: SlipwayEvent) => {
      if (opened && sent.add(event.id)) opened.send({ id: event.id, event: 'event', data: event });
    };
    const unsubscribe = deps.events.subscribe((event) => {
      if (!matches(filter, event)) return;
      if (buffer) buffer.push(event);
      else send(event);
    });
    const sse = (opened = openSse(request, reply));
    open.add(sse);
    let closed = false;
    void sse.closed.then(() => {
      closed = true;
      unsubscribe();
      open.delete(sse);
    });

    try {
      if (from !== undefined) {
        for (let after = from; !closed;) {
          const page = await deps.store.events.list({ ...filter, afterId: after, limit: replayPage });
          for (const event of page) send(event);
          if (page.length < replayPage) break;
          after = page[page.length - 1]!.id;
        }
      }
    } catch (err) {
      request.log.warn({ err }, 'event stream replay failed; the client will reconnect');
      sse.close();
      return;
    }
    const live = buffer.sort((a, b) => a.id - b.id);
    buffer = undefined;
    for (const event of live) send(event);
  });
}

/** The id to replay after: Last-Event-ID, else `after=`; undefined when the client gave neither. */
function resumePoint(request: FastifyRequest, after: number | undefined): number | undefined {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') {
    const id = Number(value);
    return Number.isInteger(id) && id >= 0 ? id : 0;
  }
  return after;
}

function matches(filter: EventFilter, event: SlipwayEvent): boolean {
  return (filter.projectId === undefined || event.projectId === filter.projectId)
    && (filter.runId === undefined || event.runId === filter.runId)
    && (filter.deploymentId === undefined || event.deploymentId === filter.deploymentId);
}

/**
 * The event ids a stream has sent. Live events may be announced a little out of id order (two
 * emits in flight at once), so a plain "highest id sent" would drop the late one: the recent ids
 * are remembered one by one, and only ids older than the remembered window count as sent.
 */
class SentIds {
  private readonly recent = new Set<number>();

  constructor(private floor: number, private readonly window = 1000) {}

  /** Records the id; false when it was sent already. */
  add(id: number): boolean {
    if (id <= this.floor || this.recent.has(id)) return false;
    this.recent.add(id);
    if (this.recent.size > this.window) {
      const oldest = this.recent.values().next().value!;
      this.recent.delete(oldest);
      this.floor = Math.max(this.floor, oldest);
    }
    return true;
  }
}
