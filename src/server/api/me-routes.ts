// Who am I: the caller's name and grants, for the web UI's header (whoever signed in, with a
// token or through the identity provider, sees who they are and what role they have); and
// signing out of a web session, which ends its token on the server too.
import type { FastifyInstance } from 'fastify';
import type { SignOutAnswer, WhoAmIAnswer } from '../../core/api/answers.ts';
import { requires } from '../auth/authorize-requests.ts';
import type { ApiDeps } from './api-deps.ts';

export function meRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // token.own: every person with a role and the bootstrap admin; not agents or the join token.
  const own = requires('token.own');

  app.get('/api/v1/me', own, (request): WhoAmIAnswer => {
    const principal = request.principal;
    return principal.kind === 'user'
      ? { name: principal.name, kind: 'user', grants: [...principal.grants] }
      : { name: principal.name, kind: 'admin', grants: [] };
  });

  // Only a web session's token is revoked: an API token pasted into the UI keeps working for the
  // CLI and scripts that hold it.
  app.post('/api/v1/me/sign-out', own, async (request): Promise<SignOutAnswer> => {
    const principal = request.principal;
    const session = principal.kind === 'user' ? principal.session : undefined;
    if (!session) return { ended: null };
    await deps.events.transaction(async (tx) => {
      if (await tx.store.users.revokeToken(session.tokenId, deps.clock.now())) {
        await tx.emit('token.revoked', `session ${session.tokenId} of ${principal.name} ended: signed out`, { actor: principal.name, data: { tokenId: session.tokenId, signOut: true } });
      }
    });
    return { ended: session.tokenId };
  });
}
