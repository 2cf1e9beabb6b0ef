// The server's HTTP face: REST under /api/v1, the agent WebSocket, the webhook, the web UI at /. Errors leave as
// JSON { error: { code, message } } with the status of their kind, never with a stack.
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { SlipwayError, type ErrorKind } from '../base/errors.ts';
import { agentAdminRoutes } from './api/agent-admin-routes.ts';
import { agentRoutes } from './api/agent-routes.ts';
import { auditRoutes } from './api/audit-routes.ts';
import { auditRequests } from './auth/audit-requests.ts';
import { authorizeRequests, requires } from './auth/authorize-requests.ts';
import { createPrincipalResolver } from './auth/resolve-principal.ts';
import type { ApiDeps } from './api/api-deps.ts';
import { deploymentRoutes } from './api/deployment-routes.ts';
import { eventRoutes } from './api/event-routes.ts';
import { eventStreamRoutes } from './api/event-stream-routes.ts';
import { logRoutes } from './api/log-routes.ts';
import { meRoutes } from './api/me-routes.ts';
import { overviewRoutes } from './api/overview-routes.ts';
import { projectRoutes } from './api/project-routes.ts';
import { runRoutes } from './api/run-routes.ts';
import { userRoutes } from './api/user-routes.ts';
import { secretRoutes } from './api/secret-routes.ts';
import { webhookRoutes } from './api/webhook-routes.ts';
import { webRoutes } from './web/web-routes.ts';
import { oidcRoutes } from './auth/oidc/oidc-routes.ts';

const statusOfKind: Record<ErrorKind, number> = { input: 400, auth: 401, forbidden: 403, not_found: 404, conflict: 409, internal: 500 };

export async function buildHttpApp(deps: ApiDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance: logger,
    // One line per request would drown the log in agents' downloads and CLI polling.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  await app.register(websocket, { options: { maxPayload: 16 * 1024 * 1024 } });

  app.setErrorHandler((err: FastifyError | SlipwayError, request, reply) => {
    if (err instanceof SlipwayError) {
      const status = statusOfKind[err.kind];
      if (status >= 500) request.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    const code = err.code?.startsWith('FST_') ? `SLIPWAY_HTTP_${status}` : 'SLIPWAY_INTERNAL';
    return reply.code(status).send({ error: { code, message: status >= 500 ? 'internal error (see the server log)' : err.message } });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: { code: 'SLIPWAY_NOT_FOUND', message: `no route ${request.method} ${request.url}` } }));

  // Before any route: from here on a route that declares no permission stops the server starting.
  authorizeRequests(app, createPrincipalResolver(deps));
  // Likewise a route that changes something and declares no audit.
  auditRequests(app, deps.events);
  app.get('/api/v1/health', requires('public'), () => ({ ok: true }));
  agentRoutes(app, deps);
  agentAdminRoutes(app, deps);
  projectRoutes(app, deps);
  runRoutes(app, deps);
  userRoutes(app, deps);
  deploymentRoutes(app, deps);
  webhookRoutes(app, deps);
  eventRoutes(app, deps);
  logRoutes(app, deps);
  eventStreamRoutes(app, deps);
  overviewRoutes(app, deps);
  secretRoutes(app, deps);
  auditRoutes(app, deps);
  meRoutes(app, deps);
  oidcRoutes(app, deps);
  webRoutes(app, { distDir: deps.webDist });
  return app;
}
