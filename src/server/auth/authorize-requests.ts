// The one place that decides whether a request may run: every route declares the permission it
// needs (or 'public'), and one hook resolves the caller into a principal and checks it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, ForbiddenError } from '../../base/errors.ts';
import { can, PERMISSION_WORDS, type AccessScope, type Permission } from '../../core/access/permissions.ts';
import { ANONYMOUS, type Principal } from '../../core/access/principal.ts';
import { projectsWith, reachesAny } from '../../core/access/readable-projects.ts';
import type { PrincipalResolver } from './resolve-principal.ts';

/** What a route declares: a permission, or 'public' (health, webhooks with their signature, the web UI). */
export type RoutePermission = Permission | 'public';

/**
 * Where a request's action applies, from its params, body or query; it may look records up (the
 * project of a deployment). It never throws: what it cannot place is about no project.
 */
export type ScopeOf = (request: FastifyRequest) => AccessScope | Promise<AccessScope>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route: registering one without it fails at start-up. */
    permission?: RoutePermission;
    /** Where the action applies, from the request's params and body (for grants per project and environment). */
    scope?: ScopeOf;
    /**
     * A list across projects (see `requiresSome`): without a project in its scope, a principal
     * with the permission in any project passes, and the handler shows only what it may see.
     */
    acrossProjects?: boolean;
  }
  interface FastifyRequest {
    /** Who is calling; anonymous on public routes. Set before any handler runs. */
    principal: Principal;
    /** The route's scope of this request, as the permission check saw it ({} until then). */
    accessScope: AccessScope;
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

/**
 * Throws ForbiddenError (SLIPWAY_FORBIDDEN) unless the principal may do this: for checks that
 * depend on the body (e.g. --force). Refused without a project although some of its grants name
 * projects, the message says which, so that the caller knows to name one.
 */
export function requirePermission(principal: Principal, permission: Permission, scope: AccessScope = {}): void {
  if (can(principal, permission, scope)) return;
  const where = [scope.project && `project ${scope.project}`, scope.env && `environment ${scope.env}`].filter(Boolean).join(', ');
  const reach = scope.project === undefined ? projectsWith(principal, permission) : 'all';
  const only = reach !== 'all' && reach.size > 0 ? ` across projects (only in ${[...reach].sort().join(', ')})` : '';
  throw new ForbiddenError('SLIPWAY_FORBIDDEN', `${principal.name} may not ${PERMISSION_WORDS[permission]}${only}${where ? ` (${where})` : ''}`);
}

/** Throws ForbiddenError (SLIPWAY_FORBIDDEN) unless the principal has `permission` in some project (lists across projects). */
export function requireSomeProject(principal: Principal, permission: Permission): void {
  if (!reachesAny(projectsWith(principal, permission))) {
    throw new ForbiddenError('SLIPWAY_FORBIDDEN', `${principal.name} may not ${PERMISSION_WORDS[permission]} (in any project)`);
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
  app.decorateRequest('accessScope', null as unknown as never);
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (permission === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission (config: { permission })`);
    }
  });
  app.addHook('preHandler', async (request) => {
    const { permission, scope, acrossProjects } = request.routeOptions.config;
    request.principal = ANONYMOUS;
    request.accessScope = {};
    if (permission === 'public' || permission === undefined) return;
    const principal = await resolve(request);
    // Before the 401, so that an audited refusal of an anonymous caller still names the project.
    request.accessScope = (await scope?.(request)) ?? {};
    if (principal.kind === 'anonymous') {
      throw new AuthError('SLIPWAY_UNAUTHORIZED', 'a valid token is required (Authorization: Bearer …)');
    }
    request.principal = principal;
    if (acrossProjects && request.accessScope.project === undefined) requireSomeProject(principal, permission);
    else requirePermission(principal, permission, request.accessScope);
  });
}

type RouteConfig = { config: { permission: RoutePermission; scope?: ScopeOf; acrossProjects?: boolean } };

/** Route options declaring what a route needs: `app.get(url, requires('project.read', projectScope), handler)`. */
export function requires(permission: RoutePermission, scope?: ScopeOf): RouteConfig {
  return { config: scope ? { permission, scope } : { permission } };
}

/**
 * Route options of a list across projects (overview, projects, events): a principal with
 * `permission` in any project passes, and the handler shows only what `visibleProjects` gives it,
 * so that a person whose grants name one project sees that one instead of a refusal. Where `scope`
 * names a project (`?project=shop`), the check is the ordinary one for that project.
 */
export function requiresSome(permission: Permission, scope?: ScopeOf): RouteConfig {
  return { config: { ...requires(permission, scope).config, acrossProjects: true } };
}

/** The scope of a list filtered by `?project=` (events): that project when one is named. */
export function queryProjectScope(request: FastifyRequest): AccessScope {
  const query = request.query as { project?: unknown } | undefined;
  return query && typeof query.project === 'string' && query.project !== '' ? { project: query.project } : {};
}
