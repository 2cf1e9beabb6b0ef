// Who changed what, from where: every route that is not GET/HEAD declares how its requests are
// audited (an action, or why not), and that is checked at start-up like its permission. A request
// that changes something writes its entry in the transaction of the change (`auditRequest`); every
// request refused with 403, and one refused with 401 on an audited route, is written down by the
// hook here, with its code.
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { SlipwayError } from '../../base/errors.ts';
import type { EventLog, Tx } from '../engine/event-log.ts';

/** How a route's requests are audited: as `action`, or not at all, for the reason given. */
export type RouteAudit = { action: string } | { exempt: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route that is not GET/HEAD: registering one without it fails at start-up. */
    audit?: RouteAudit;
  }
  interface FastifyRequest {
    /** How many audit entries this request wrote (0 until `auditRequest`). */
    auditEntries: number;
  }
}

type Options = { config: object };

/** Route options plus the audit action: `app.post(url, audited('user.add', requires('user.manage')), handler)`. */
export function audited<O extends Options>(action: string, options: O): O {
  return { ...options, config: { ...options.config, audit: { action } } };
}

/** Route options of a route whose requests are not audited, and why (agents' traffic, public hooks). */
export function notAudited<O extends Options>(reason: string, options: O): O {
  return { ...options, config: { ...options.config, audit: { exempt: reason } } };
}

/** What an audited request records beyond who, where and when. */
export interface AuditDetails {
  /** What was changed: "user:bob", "project:hello", "agent:web-1"… */
  target: string;
  /** The project's name where the change is about one. */
  project?: string | null;
  /** Overrides the route's action (a forced deployment, say). */
  action?: string;
  message?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Writes the audit entry of `request`'s change inside `tx`: the principal's name as the actor, the
 * request's address, the route's action (or `details.action`), outcome ok. Call it in the same
 * transaction as the change, so that the entry exists exactly when the change does.
 */
export async function auditRequest(tx: Tx, request: FastifyRequest, details: AuditDetails): Promise<void> {
  const declared = request.routeOptions.config.audit;
  const action = details.action ?? (declared && 'action' in declared ? declared.action : undefined);
  if (action === undefined) throw new Error(`route ${request.method} ${request.routeOptions.url ?? request.url} audits a change but declares no audit action`);
  await tx.audit({
    actor: request.principal.name, address: request.ip, action, target: details.target, project: details.project ?? null,
    outcome: 'ok', code: null, message: details.message ?? null, before: details.before ?? null, after: details.after ?? null,
  });
  request.auditEntries += 1;
}

const READS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * Installs the audit's hooks on `app`; call it before any route is registered. A route that is not
 * GET/HEAD and declares no `config.audit` throws at once, so the server refuses to start. A request
 * refused with 403 (a known principal without the permission), on any route, reads included, gets
 * an entry of its own (outcome refused, the error's code and message; the route's audit action,
 * else the permission it lacked); one refused with 401 only on a route with an audit action, so
 * that anonymous reads cannot grow the log. An audited request that is not GET/HEAD and succeeded
 * without writing its entry is a bug: it answers 500 SLIPWAY_AUDIT_MISSING (the change committed,
 * so tests of every route catch it).
 */
export function auditRequests(app: FastifyInstance, events: EventLog): void {
  app.decorateRequest('auditEntries', 0);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((m) => READS.has(m)) || route.config?.audit !== undefined) return;
    throw new Error(`route ${methods.join(',')} ${route.url} declares no audit (config: { audit }: audited(action, …) or notAudited(reason, …))`);
  });

  app.addHook('onError', async (request, _reply, error) => {
    if (!(error instanceof SlipwayError) || (error.kind !== 'auth' && error.kind !== 'forbidden')) return;
    const { audit: declared, permission } = request.routeOptions.config;
    const auditedAction = declared && 'action' in declared ? declared.action : undefined;
    // Anonymous callers only where they try a change: a flood of anonymous reads must not grow the log.
    if (error.kind === 'auth' && auditedAction === undefined) return;
    // A read refused (no audit action of its own) is recorded as the permission it lacked.
    const action = auditedAction ?? (permission === undefined || permission === 'public' ? 'read.refused' : permission);
    // Null when the refusal came before the permission hook ran (a 401 of a hook of its own).
    const scope = request.accessScope as typeof request.accessScope | null;
    try {
      await events.transaction((tx) => tx.audit({
        actor: (request.principal as typeof request.principal | null)?.name ?? 'anonymous', address: request.ip, action,
        target: `${request.method} ${request.url.split('?')[0] ?? request.url}`, project: scope?.project ?? null,
        outcome: 'refused', code: error.code, message: error.message, before: null, after: null,
      }));
    } catch (err) {
      // The refusal stands; losing its record is logged, never silent.
      request.log.error({ err, action }, 'could not audit a refused request');
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const declared = request.routeOptions.config.audit;
    if (!declared || !('action' in declared) || READS.has(request.method) || reply.statusCode >= 400 || request.auditEntries > 0) return payload;
    request.log.error({ route: request.routeOptions.url, action: declared.action }, 'an audited route changed something without writing its audit entry');
    reply.code(500).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({ error: { code: 'SLIPWAY_AUDIT_MISSING', message: `internal error: ${request.method} ${request.routeOptions.url ?? ''} wrote no audit entry` } });
  });
}
