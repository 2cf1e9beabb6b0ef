// Who am I: the caller's name, grants and what they may do anywhere, for the web UI's header
// (whoever signed in, with a token or through the identity provider, sees who they are and their
// role; admins' pages such as the audit log are linked only for those who may open them); and
// signing out of a web session, which ends its token on the server too.
import type { FastifyInstance } from 'fastify';
import { can, PERMISSIONS } from '../../core/access/permissions.ts';
import type { SignOutAnswer, WhoAmIAnswer } from '../../core/api/answers.ts';
import { audited, auditRequest } from '../auth/audit-requests.ts';
import { requires } from '../auth/authorize-requests.ts';
import type { ApiDeps } from './api-deps.ts';

export function meRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // token.own: every person with a role and the bootstrap admin; not agents or the join token.
  const own = requires('token.own');

  app.get('/api/v1/me', own, (request): WhoAmIAnswer => {
    const principal = request.principal;
    const permissions = PERMISSIONS.filter((permission) => can(principal, permission));
    return principal.kind === 'user'
      ? { name: principal.name, kind: 'user', grants: [...principal.grants], permissions }
      : { name: principal.name, kind: 'admin', grants: [], permissions };
  });

  // Only a web session's token is revoked: an API token pasted into the UI keeps working for the
  // CLI and scripts that hold it.
  app.post('/api/v1/me/sign-out', audited('user.sign_out', own), async (request): Promise<SignOutAnswer> => {
    const principal = request.principal;
    const session = principal.kind === 'user' ? principal.session : undefined;
    await deps.events.transaction(async (tx) => {
      const ended = session !== undefined && await tx.store.users.revokeToken(session.tokenId, deps.clock.now());
      if (ended) {
        await tx.emit('token.revoked', `session ${session.tokenId} of ${principal.name} ended: signed out`, { actor: principal.name, data: { tokenId: session.tokenId, signOut: true } });
      }
      await auditRequest(tx, request, {
        target: session ? `token:${session.tokenId}` : `user:${principal.name}`,
        message: ended ? 'web session ended' : 'no web session to end: the token stays valid',
      });
    });
    return { ended: session?.tokenId ?? null };
  });
}
