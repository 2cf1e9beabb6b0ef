// The permission hook on a bare Fastify app: undeclared routes are refused at start-up, and each
// request is answered 401, 403 or let through by what its principal may do.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { SlipwayError } from '../../base/errors.ts';
import { BOOTSTRAP_ADMIN, JOIN_TOKEN_HOLDER, ANONYMOUS, type Principal } from '../../core/access/principal.ts';
import { authorizeRequests, projectScope, requires } from './authorize-requests.ts';
import { bearerToken } from './resolve-principal.ts';

const principals: Record<string, Principal> = { admin: BOOTSTRAP_ADMIN, join: JOIN_TOKEN_HOLDER };

function appWithHook(): FastifyInstance {
  const app = Fastify();
  app.setErrorHandler((err: Error, _request, reply) => {
    const status = err instanceof SlipwayError ? ({ auth: 401, forbidden: 403 } as Record<string, number>)[err.kind] ?? 500 : 500;
    return reply.code(status).send({ code: err instanceof SlipwayError ? err.code : 'other', message: err.message });
  });
  authorizeRequests(app, (request) => Promise.resolve(principals[bearerToken(request) ?? ''] ?? ANONYMOUS));
  return app;
}

describe('authorizeRequests', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  it('refuses to register a route that declares no permission', () => {
    app = appWithHook();
    expect(() => app!.get('/api/v1/forgotten', () => 'oops')).toThrow('route GET /api/v1/forgotten declares no permission');
  });

  it('answers 401 without a token or with one nobody issued, and 403 to a known principal that may not', async () => {
    app = appWithHook();
    app.get('/api/v1/projects', requires('project.read'), (request) => ({ by: request.principal.name }));
    const get = (token?: string) => app!.inject({ url: '/api/v1/projects', headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await get()).statusCode).toBe(401);
    expect((await get()).json()).toMatchObject({ code: 'SLIPWAY_UNAUTHORIZED' });
    expect((await get('forged')).statusCode).toBe(401);
    const refused = await get('join');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ code: 'SLIPWAY_FORBIDDEN', message: 'join-token may not read projects, runs, deployments, events and logs' });
    expect((await get('admin')).json()).toEqual({ by: 'admin' });
  });

  it('lets anybody through a public route, as anonymous', async () => {
    app = appWithHook();
    app.get('/api/v1/health', requires('public'), (request) => ({ principal: request.principal.kind }));
    expect((await app.inject({ url: '/api/v1/health' })).json()).toEqual({ principal: 'anonymous' });
  });

  it('gives the check the scope the route reads from its params and body', async () => {
    app = appWithHook();
    const scopes: unknown[] = [];
    app.post('/api/v1/projects/:name/deployments', requires('deployment.deploy', (request) => {
      const scope = projectScope(request);
      scopes.push(scope);
      return scope;
    }), () => ({ ok: true }));
    await app.inject({ method: 'POST', url: '/api/v1/projects/hello/deployments', headers: { authorization: 'Bearer admin' }, payload: { env: 'production' } });
    expect(scopes).toEqual([{ project: 'hello', env: 'production' }]);
  });
});
