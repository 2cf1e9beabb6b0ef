// Who am I: the caller's name and grants, for the web UI's header (whoever signed in, with a
// token or through the identity provider, sees who they are and what role they have).
import type { FastifyInstance } from 'fastify';
import type { WhoAmIAnswer } from '../../core/api/answers.ts';
import { requires } from '../auth/authorize-requests.ts';

export function meRoutes(app: FastifyInstance): void {
  // token.own: every person with a role and the bootstrap admin; not agents or the join token.
  app.get('/api/v1/me', requires('token.own'), (request): WhoAmIAnswer => {
    const principal = request.principal;
    return principal.kind === 'user'
      ? { name: principal.name, kind: 'user', grants: [...principal.grants] }
      : { name: principal.name, kind: 'admin', grants: [] };
  });
}
