// The one place that decides whether a request may run: every route declares the permission it
// needs (or 'public'), and one hook resolves the caller into a principal and checks it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, ForbiddenError } from '../../base/errors.ts';
import { can, PERMISSION_WORDS, type AccessScope, type Permission } from '../../core/access/permissions.ts';
import { ANONYMOUS, type Principal } from '../../core/access/principal.ts';
import type { PrincipalResolver } from './resolve-principal.ts';

/** What a route declares: a permission, or 'public' (health, webhooks with their signature, the web UI). */
export type RoutePermission = Permission | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route: registering one without it fails at start-up. */
    permission?: RoutePermission;
    /** Where the action applies, from the request's params and body (for grants per project and environment). */
    scope?: (request: FastifyRequest) => AccessScope;
  }
  interface FastifyRequest {
    /** Who is calling; anonymous on public routes. Set before any handler runs. */
    principal: Principal;
  }
}

/** The scope of a route under /projects/:name/…, with the environment from the body's `env`. */
export function projectScope(request: FastifyRequest): AccessScope {
  const params = request.params as { name?: unknown; project?: unknown };
  const body = request.body as { env?: unknown } | undefined;
  const project = typeof params.name === 'string' ? params.name : typeof params.project === 'string' ? params.project : undefined;
  const env = body && typeof body === 'object' && typeof body.env === 'string' ? body.env : undefined;
  return { ...(project === undefined ? {} : { project }), ...(env === undefined ? {} : { env }) };
}

/** Throws ForbiddenError (SLIPWAY_FORBIDDEN) unless the principal may do this: for checks that depend on the body (e.g. --force). */
export function requirePermission(principal: Principal, permission: Permission, scope: AccessScope = {}): void {
  if (!can(principal, permission, scope)) {
    const where = [scope.project && `project ${scope.project}`, scope.env && `environment ${scope.env}`].filter(Boolean).join(', ');
    throw new ForbiddenError('SLIPWAY_FORBIDDEN', `${principal.name} may not ${PERMISSION_WORDS[permission]}${where ? ` (${where})` : ''}`);
  }
}

/**
 * Installs the check on `app`; call it before any route is registered. A route registered
 * afterwards without `config.permission` throws at once, so the server refuses to start.
 * Before each handler (after the body is parsed, so that a scope may read it): public routes
 * pass as anonymous; otherwise no or unknown credentials answer 401 SLIPWAY_UNAUTHORIZED, and
 * known ones that may not do this 403 SLIPWAY_FORBIDDEN.
 */
export function authorizeRequests(app: FastifyInstance, resolve: PrincipalResolver): void {
  // null, not an object: Fastify refuses a shared reference as a request decoration's default.
  app.decorateRequest('principal', null as unknown as never);
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (permission === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission (config: { permission })`);
    }
  });
  app.addHook('preHandler', async (request) => {
    const { permission, scope } = request.routeOptions.config;
    request.principal = ANONYMOUS;
    if (permission === 'public' || permission === undefined) return;
    const principal = await resolve(request);
    if (principal.kind === 'anonymous') {
      throw new AuthError('SLIPWAY_UNAUTHORIZED', 'a valid token is required (Authorization: Bearer …)');
    }
    request.principal = principal;
    requirePermission(principal, permission, scope?.(request));
  });
}

/** Route options declaring what a route needs: `app.get(url, requires('project.read', projectScope), handler)`. */
export function requires(permission: RoutePermission, scope?: (request: FastifyRequest) => AccessScope): { config: { permission: RoutePermission; scope?: (request: FastifyRequest) => AccessScope } } {
  return { config: scope ? { permission, scope } : { permission } };
}
