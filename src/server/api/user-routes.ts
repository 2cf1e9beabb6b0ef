// People: users with their own tokens (shown once, stored hashed), and the roles granted to them.
// Managing users and grants is the admin's (user.manage); anybody with a token may make or revoke
// their own tokens (token.own).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InputError, NotFoundError } from '../../base/errors.ts';
import { newId, newToken } from '../../base/ids.ts';
import type { Principal } from '../../core/access/principal.ts';
import { RESERVED_NAMES } from '../../core/access/principal.ts';
import { ROLES, type Grant } from '../../core/access/roles.ts';
import type { GrantAnswer, NewTokenAnswer, UserAnswer } from '../../core/api/answers.ts';
import type { User } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import { audited, auditRequest } from '../auth/audit-requests.ts';
import { requirePermission, requires } from '../auth/authorize-requests.ts';
import { hashToken } from '../auth/tokens.ts';
import type { ApiDeps } from './api-deps.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';

const name = z.string().regex(/^[a-z][a-z0-9._-]{0,62}$/, 'expected a lowercase name of letters, digits, ".", "_" and "-", starting with a letter')
  .refine((n) => !RESERVED_NAMES.includes(n), { message: `expected a name other than ${RESERVED_NAMES.join(', ')} (the server's own principals)` });
const email = z.string().max(254).regex(/^[^\s<>@]+@[^\s<>@]+$/, 'expected an email address like ada@example.com').transform((e) => e.toLowerCase());
const scopeName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a project or environment name');
const grantBody = z.strictObject({ role: z.enum(ROLES), project: scopeName.optional(), env: scopeName.optional() });

export function userRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;
  const manage = requires('user.manage');
  const own = requires('token.own');

  app.post('/api/v1/users', audited('user.add', manage), async (request, reply) => {
    const body = parseInput(z.strictObject({ name, email: email.optional() }), request.body, 'user');
    const token = newToken('swu');
    const tokenId = newId();
    const user = await deps.events.transaction(async (tx) => {
      const created = await tx.store.users.create({ name: body.name, email: body.email ?? null }, { id: tokenId, tokenHash: hashToken(token) }, deps.clock.now());
      await tx.emit('user.added', `user ${created.name} added${created.email ? ` (${created.email})` : ''} by ${request.principal.name}`,
        { actor: request.principal.name, data: { user: created.name, email: created.email, tokenId } });
      await auditRequest(tx, request, { target: `user:${created.name}`, after: { email: created.email, tokenId } });
      return created;
    });
    return reply.code(201).send({ user: user.name, tokenId, token } satisfies NewTokenAnswer);
  });

  app.get('/api/v1/users', manage, async (): Promise<UserAnswer[]> => {
    const users = await store.users.list();
    return Promise.all(users.map((user) => userAnswer(store, user)));
  });

  app.delete<{ Params: { name: string } }>('/api/v1/users/:name', audited('user.remove', manage), async (request) => {
    const user = await findUser(store, request.params.name);
    await deps.events.transaction(async (tx) => {
      const before = await userAnswer(tx.store, user);
      if (!(await tx.store.users.remove(user.id))) throw userNotFound(user.name);
      await tx.emit('user.removed', `user ${user.name} removed by ${request.principal.name}, with ${before.tokens.length} token(s) and ${before.grants.length} grant(s)`,
        { actor: request.principal.name, data: { user: user.name, grants: before.grants } });
      await auditRequest(tx, request, { target: `user:${user.name}`, before: { email: user.email, grants: before.grants, tokens: before.tokens.map((t) => t.id) } });
    });
    return { removed: user.name };
  });

  app.post<{ Params: { name: string } }>('/api/v1/users/:name/grants', audited('grant.add', manage), async (request, reply) => {
    const answer = await changeGrant(deps, request, request.params.name, request.body, 'grant');
    return reply.code(answer.changed ? 201 : 200).send(answer);
  });
  app.post<{ Params: { name: string } }>('/api/v1/users/:name/grants/revoke', audited('grant.revoke', manage), async (request) =>
    changeGrant(deps, request, request.params.name, request.body, 'revoke'));

  // A token for oneself; for somebody else (or for the bootstrap admin, who is nobody's user) it takes user.manage.
  app.post('/api/v1/tokens', audited('token.create', own), async (request, reply) => {
    const body = parseInput(z.strictObject({ user: name.optional() }), request.body, 'token request');
    const user = await tokenOwner(store, request.principal, body.user);
    const token = newToken('swu');
    const tokenId = newId();
    await deps.events.transaction(async (tx) => {
      await tx.store.users.addToken(user.id, { id: tokenId, tokenHash: hashToken(token) }, deps.clock.now());
      await tx.emit('token.created', `token ${tokenId} of ${user.name} created by ${request.principal.name}`, { actor: request.principal.name, data: { user: user.name, tokenId } });
      await auditRequest(tx, request, { target: `token:${tokenId}`, after: { user: user.name } });
    });
    return reply.code(201).send({ user: user.name, tokenId, token } satisfies NewTokenAnswer);
  });

  app.post<{ Params: { id: string } }>('/api/v1/tokens/:id/revoke', audited('token.revoke', own), async (request) => {
    const token = await store.users.getToken(request.params.id);
    const principal = request.principal;
    const mine = token !== undefined && principal.kind === 'user' && token.userId === principal.userId;
    // Whether a token exists is told only to whoever may revoke it.
    if (!mine) requirePermission(principal, 'user.manage');
    if (!token) throw new NotFoundError('SLIPWAY_TOKEN_NOT_FOUND', `no token ${request.params.id}`);
    await deps.events.transaction(async (tx) => {
      const revoked = await tx.store.users.revokeToken(token.id, deps.clock.now());
      if (revoked) await tx.emit('token.revoked', `token ${token.id} revoked by ${principal.name}`, { actor: principal.name, data: { tokenId: token.id } });
      await auditRequest(tx, request, {
        target: `token:${token.id}`, message: revoked ? null : 'revoked already', before: { revoked: token.revokedAt !== null }, after: { revoked: true },
      });
    });
    return { revoked: token.id };
  });
}

/** Gives or takes back a grant; `changed` is false when the user had that very grant already. */
async function changeGrant(deps: ApiDeps, request: FastifyRequest, userName: string, body: unknown, change: 'grant' | 'revoke'): Promise<GrantAnswer> {
  const principal = request.principal;
  const input = parseInput(grantBody, body, change);
  const user = await findUser(deps.store, userName);
  // A grant names a project that exists (a typo would grant nothing, silently); environments are
  // each commit's slipway.yml's, so any name is taken.
  if (change === 'grant' && input.project !== undefined) await findProject(deps.store, input.project);
  const grant: Grant = { role: input.role, project: input.project ?? null, env: input.env ?? null };
  const what = describeGrant(grant);
  const changed = await deps.events.transaction(async (tx) => {
    const before = await tx.store.users.grants(user.id);
    const done = change === 'grant'
      ? await tx.store.users.grant(user.id, grant, deps.clock.now())
      : await tx.store.users.revoke(user.id, grant);
    if (done) {
      await tx.emit(change === 'grant' ? 'grant.added' : 'grant.revoked', `${principal.name} ${change === 'grant' ? 'granted' : 'revoked'} ${what} ${change === 'grant' ? 'to' : 'from'} ${user.name}`,
        { actor: principal.name, data: { user: user.name, ...grant } });
    }
    // A grant the user had already changes nothing but answers 200: recorded as asked, all the same.
    if (done || change === 'grant') {
      await auditRequest(tx, request, {
        target: `user:${user.name}`, message: done ? what : `${what} (had it already)`, before: { grants: before }, after: { grants: await tx.store.users.grants(user.id) },
      });
    }
    return done;
  });
  if (change === 'revoke' && !changed) throw new NotFoundError('SLIPWAY_GRANT_NOT_FOUND', `${user.name} has no grant of ${what}`);
  return { user: user.name, grant, changed };
}

/** "deployer in hello/testing", "viewer everywhere". */
export function describeGrant(grant: Grant): string {
  if (grant.project === null && grant.env === null) return `${grant.role} everywhere`;
  return `${grant.role} in ${grant.project ?? 'every project'}${grant.env === null ? '' : `, environment ${grant.env}`}`;
}

async function tokenOwner(store: Store, principal: Principal, named: string | undefined): Promise<User> {
  if (named === undefined) {
    if (principal.kind !== 'user') throw new InputError('SLIPWAY_TOKEN_NEEDS_USER', `${principal.name} is not a user: name the user the token is for (--user NAME)`);
    return findUser(store, principal.name);
  }
  if (principal.kind !== 'user' || principal.name !== named) requirePermission(principal, 'user.manage');
  return findUser(store, named);
}

async function findUser(store: Store, name: string): Promise<User> {
  const user = await store.users.getByName(name);
  if (!user) throw userNotFound(name);
  return user;
}

function userNotFound(name: string): NotFoundError {
  return new NotFoundError('SLIPWAY_USER_NOT_FOUND', `no user named "${name}"`);
}

async function userAnswer(store: Store, user: User): Promise<UserAnswer> {
  return { name: user.name, email: user.email, createdAt: user.createdAt, grants: await store.users.grants(user.id), tokens: await store.users.tokens(user.id) };
}
