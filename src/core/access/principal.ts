// Who is calling, resolved once per request by the server (src/server/auth/) and used for every
// permission check and as "who did it" on runs, approvals, deployments and events.
import type { Agent, User } from '../model.ts';
import type { Grant } from './roles.ts';

/** The caller of a request. `name` is what records show as the actor. */
export type Principal =
  /** The bootstrap admin: whoever holds the admin token the server was started with. */
  | { kind: 'admin'; name: string }
  /** A person with a token of their own and the roles granted to them (as stored when the request came in). */
  | { kind: 'user'; name: string; userId: string; email: string | null; grants: readonly Grant[]; session?: SessionToken }
  /** An enrolled agent, by its own token; `agent` is as stored when the request came in. */
  | { kind: 'agent'; name: string; agent: Agent }
  /** Whoever holds the join token: may only enroll an agent. */
  | { kind: 'join'; name: string }
  /** No credentials, or credentials nobody issued. */
  | { kind: 'anonymous'; name: string };

/** The web session a user's request came with (a sign-in through the identity provider): its token, so that signing out ends it. */
export interface SessionToken {
  tokenId: string;
  expiresAt: number;
}

export const BOOTSTRAP_ADMIN: Principal = { kind: 'admin', name: 'admin' };
export const JOIN_TOKEN_HOLDER: Principal = { kind: 'join', name: 'join-token' };
export const ANONYMOUS: Principal = { kind: 'anonymous', name: 'anonymous' };

/** The principal of an agent's own token; its name says it is an agent ("agent:web-1"). */
export function agentPrincipal(agent: Agent): Principal {
  return { kind: 'agent', name: `agent:${agent.name}`, agent };
}

/** The principal of a user's token: named by the user's name (user names never take the names above). */
export function userPrincipal(user: User & { grants: readonly Grant[]; token?: { id: string; expiresAt: number | null } }): Principal {
  const session = user.token && user.token.expiresAt !== null ? { session: { tokenId: user.token.id, expiresAt: user.token.expiresAt } } : {};
  return { kind: 'user', name: user.name, userId: user.id, email: user.email, grants: user.grants, ...session };
}

/** Names a user may not take, so that records never confuse a user with the principals above. */
export const RESERVED_NAMES: readonly string[] = [BOOTSTRAP_ADMIN.name, JOIN_TOKEN_HOLDER.name, ANONYMOUS.name];
