// Who is calling: the bearer token of a request turned into a principal, once per request.
import type { FastifyRequest } from 'fastify';
import { agentPrincipal, ANONYMOUS, BOOTSTRAP_ADMIN, JOIN_TOKEN_HOLDER, userPrincipal, type Principal } from '../../core/access/principal.ts';
import { systemClock, type Clock } from '../../base/clock.ts';
import type { Store } from '../../storage/store.ts';
import { hashToken, sameSecret } from './tokens.ts';

export type PrincipalResolver = (request: FastifyRequest) => Promise<Principal>;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/**
 * A resolver over the server's tokens: the admin token is the bootstrap admin, the join token
 * its holder, an agent's own token (stored hashed) that agent, a user's token (stored hashed, not
 * revoked nor expired) that user with the grants they have now and those the token carries (a
 * web sign-in's); anything else, or no token, is anonymous.
 */
export function createPrincipalResolver(deps: { store: Store; tokens: { admin: string; join: string }; clock?: Clock }): PrincipalResolver {
  const clock = deps.clock ?? systemClock;
  return async (request) => {
    const token = bearerToken(request);
    if (!token) return ANONYMOUS;
    if (sameSecret(token, deps.tokens.admin)) return BOOTSTRAP_ADMIN;
    if (sameSecret(token, deps.tokens.join)) return JOIN_TOKEN_HOLDER;
    const hash = hashToken(token);
    const agent = await deps.store.agents.getByTokenHash(hash);
    // Revoking or removing replaces the token too; the status check keeps it refused regardless.
    if (agent) return agent.status === 'active' || agent.status === 'pending' ? agentPrincipal(agent) : ANONYMOUS;
    const user = await deps.store.users.getByTokenHash(hash, clock.now());
    return user ? userPrincipal(user) : ANONYMOUS;
  };
}
