// Bearer-token checks for the routes: the admin token (people, the CLI), the join token (agents
// enrolling), and each agent's own token (stored hashed).
import type { FastifyRequest } from 'fastify';
import { AuthError } from '../../base/errors.ts';
import type { Agent } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import { hashToken, sameSecret } from '../auth/tokens.ts';

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** A preHandler that lets through only requests bearing `secret`. */
export function requireSecret(secret: string, what: string) {
  return (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request);
    if (token && sameSecret(token, secret)) return Promise.resolve();
    return Promise.reject(new AuthError('SLIPWAY_UNAUTHORIZED', `a valid ${what} is required (Authorization: Bearer …)`));
  };
}

/** The agent whose token the request carries; throws AuthError otherwise. */
export async function authenticateAgent(store: Store, request: FastifyRequest): Promise<Agent> {
  const token = bearerToken(request);
  const agent = token ? await store.agents.getByTokenHash(hashToken(token)) : undefined;
  if (!agent) throw new AuthError('SLIPWAY_UNAUTHORIZED', 'a valid agent token is required (Authorization: Bearer …)');
  return agent;
}

/** Admin token or any agent's token: for downloads both people and hosts make. */
export async function requireAdminOrAgent(store: Store, admin: string, request: FastifyRequest): Promise<void> {
  const token = bearerToken(request);
  if (token && sameSecret(token, admin)) return;
  await authenticateAgent(store, request);
}
