// Who the caller is: the principal of the token and what it may do across projects, for the web
// UI to show an admin's pages (the audit log) only to those who may open them.
import type { FastifyInstance } from 'fastify';
import { can, PERMISSIONS } from '../../core/access/permissions.ts';
import type { PrincipalAnswer } from '../../core/api/answers.ts';
import { requires } from '../auth/authorize-requests.ts';

export function meRoutes(app: FastifyInstance): void {
  // token.own: anybody with a grant, and the bootstrap admin.
  app.get('/api/v1/me', requires('token.own'), (request): PrincipalAnswer => ({
    name: request.principal.name,
    kind: request.principal.kind,
    permissions: PERMISSIONS.filter((permission) => can(request.principal, permission)),
  }));
}
