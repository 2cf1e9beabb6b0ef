// The central log over HTTP: paged search (GET /api/v1/logs) and live tail as Server-Sent Events
// (GET /api/v1/logs/tail) that resume after Last-Event-ID with neither a gap nor a duplicate.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { LogFilter } from '../../core/logs/log-filter.ts';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import type { LogLineView, LogSearchAnswer } from '../../core/api/answers.ts';
import type { ApiDeps } from './api-deps.ts';
import { requires } from '../auth/authorize-requests.ts';
import { logScope } from '../auth/record-scope.ts';
import { parseInput } from './parse-input.ts';
import { resumableSse } from './resumable-sse.ts';
import { resumePoint } from './sse.ts';
import { wholeNumberParameter } from './whole-number.ts';

/** A parameter given empty (`host=`) counts as not given. */
const blankIsAbsent = (value: unknown) => (value === '' ? undefined : value);
const text = z.preprocess(blankIsAbsent, z.string().max(1000).optional());
const id = z.preprocess(blankIsAbsent, wholeNumberParameter('an id').optional());
const time = z.preprocess(blankIsAbsent, wholeNumberParameter('ms since the epoch').optional());
const filterQuery = z.object({
  q: text,
  host: text,
  app: text,
  env: text,
  stream: text,
  /** One level or several, comma-separated: `warn,error`. */
  level: text,
  run: text,
  deployment: text,
  since: time,
  until: time,
});
const searchQuery = filterQuery.extend({
  before: id,
  after: id,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  order: z.enum(['asc', 'desc']).default('desc'),
});
const tailQuery = filterQuery.extend({ after: id });

/** Lines read from the store per page when a tail catches up. */
const REPLAY_PAGE = 1000;
/** A client this far behind is dropped: it reconnects with its Last-Event-ID and catches up from the store. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Live lines held while a tail catches up; beyond this the client is dropped the same way. */
const MAX_HELD_LINES = 50_000;

export function logRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'store' | 'logTail'>): void {
  // Log lines carry no project, only app, env, host, run and deployment: a search that names a run
  // or a deployment is about its project; any other reads across projects, for who reads them all.
  const read = requires('project.read', logScope(deps.store));

  /**
   * `GET /api/v1/logs?q=&host=&app=&env=&stream=&level=&run=&deployment=&since=&until=&before=&after=&limit=&order=`
   * → `{ lines }`: newest first by default (page back with before=<id>); order=asc, oldest first
   * (page forward with after=<id>).
   */
  app.get('/api/v1/logs', read, async (request) => {
    const query = parseInput(searchQuery, request.query, 'log search');
    const lines = await deps.store.logs.search({
      ...toFilter(query), order: query.order, afterId: query.after, beforeId: query.before, limit: query.limit,
    });
    return { lines } satisfies LogSearchAnswer;
  });

  const streams = resumableSse(app, { maxHeldItems: MAX_HELD_LINES, maxBufferedBytes: MAX_BUFFERED_BYTES });

  /**
   * `GET /api/v1/logs/tail?<filters>`: `event: line`, `id: <line id>`, `data: LogLine`. With
   * Last-Event-ID (or after=), the stored lines after that id come first, then live ones; without
   * one, only lines stored from now on. Lines come in id order, each once.
   */
  app.get('/api/v1/logs/tail', read, async (request, reply) => {
    const query = parseInput(tailQuery, request.query, 'log tail');
    const filter = toFilter(query);
    await streams.serve<LogLineView>(request, reply, resumePoint(request, query.after), {
      event: 'line',
      idOf: (line) => line.id,
      subscribe: (deliver) => deps.logTail.subscribe(filter, deliver),
      replay: (afterId, limit) => deps.store.logs.search({ ...filter, order: 'asc', afterId, limit }),
      pageSize: REPLAY_PAGE,
    });
  });
}

function toFilter(query: z.infer<typeof filterQuery>): LogFilter {
  return {
    query: query.q === undefined ? undefined : parseLogQuery(query.q),
    host: query.host,
    app: query.app,
    env: query.env,
    stream: query.stream,
    levels: query.level?.split(',').map((l) => l.trim()).filter(Boolean),
    runId: query.run,
    deploymentId: query.deployment,
    since: query.since,
    until: query.until,
  };
}
