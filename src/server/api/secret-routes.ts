// Secrets of a project (admin only: secret.manage): set, list by name, remove. A value comes in
// once, is sealed before it is stored, and is never answered, logged or put in an event.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../base/errors.ts';
import type { AccessScope } from '../../core/access/permissions.ts';
import type { SecretAnswer } from '../../core/api/answers.ts';
import { MIN_MASKED_LENGTH } from '../../core/secrets/secret-masker.ts';
import type { StoredSecret } from '../../storage/store.ts';
import { audited, auditRequest } from '../auth/audit-requests.ts';
import { requires } from '../auth/authorize-requests.ts';
import type { ApiDeps } from './api-deps.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';

const secretName = z.string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected an environment variable name of letters, digits and "_"')
  .refine((name) => !name.startsWith('SLIPWAY_') && name !== 'PORT', { message: 'PORT and SLIPWAY_* are set by Slipway itself' });
const envName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'expected an environment name');

// zod's messages about the value say what is wrong with it, never what it is.
const setBody = z.object({
  name: secretName,
  value: z.string()
    .min(MIN_MASKED_LENGTH, `expected a value of at least ${MIN_MASKED_LENGTH} characters (shorter ones cannot be masked in logs)`)
    .max(64 * 1024, 'expected a value of at most 64 KiB'),
  env: envName.nullable().default(null),
  build: z.boolean().default(false),
}).refine((body) => !(body.build && body.env !== null), {
  message: 'a --build secret is for the whole project (a build belongs to no environment): leave out --env',
  path: ['build'],
});

const removeQuery = z.object({ env: envName.optional() });

/**
 * The scope of a secret route: the project, and the environment the handler acts on: the body's
 * when setting, the query's when removing (never the other: a body's env on a removal would pass
 * the check for one environment and remove the secret of another).
 */
function secretScope(request: FastifyRequest): AccessScope {
  const { name } = request.params as { name: string };
  const from = (request.method === 'POST' ? request.body : request.query) as { env?: unknown } | undefined;
  const env = from && typeof from === 'object' && typeof from.env === 'string' ? from.env : undefined;
  return { project: name, ...(env === undefined ? {} : { env }) };
}

export function secretRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'store' | 'secrets' | 'events' | 'clock'>): void {
  const { store, secrets } = deps;
  const manage = requires('secret.manage', secretScope);

  app.post<{ Params: { name: string } }>('/api/v1/projects/:name/secrets', audited('secret.set', manage), async (request, reply) => {
    const body = parseInput(setBody, request.body, 'secret');
    const project = await findProject(store, request.params.name);
    const address = { projectId: project.id, env: body.env, name: body.name };
    const ciphertext = secrets.seal(body.value, address);
    const at = deps.clock.now();
    const { created } = await deps.events.transaction(async (tx) => {
      const outcome = await tx.store.secrets.put({ ...address, build: body.build, ciphertext }, at);
      await tx.emit(outcome.created ? 'secret.set' : 'secret.changed', `secret ${body.name} ${outcome.created ? 'set' : 'changed'} for ${where(project.name, body.env)}${body.build ? ' (builds get it too)' : ''} by ${request.principal.name}`, {
        projectId: project.id, actor: request.principal.name, data: { name: body.name, env: body.env, build: body.build },
      });
      // The secret's name, environment and flag: never its value, nor its ciphertext.
      await auditRequest(tx, request, {
        target: `secret:${project.name}/${body.name}${body.env === null ? '' : `@${body.env}`}`, project: project.name,
        message: outcome.created ? 'set' : 'changed', after: { name: body.name, env: body.env, build: body.build },
      });
      tx.afterCommit(() => secrets.refresh());
      return outcome;
    });
    return reply.code(created ? 201 : 200).send({ name: body.name, env: body.env, build: body.build, updatedAt: at } satisfies SecretAnswer);
  });

  app.get<{ Params: { name: string } }>('/api/v1/projects/:name/secrets', manage, async (request) => {
    const project = await findProject(store, request.params.name);
    return (await store.secrets.list(project.id)).map(showSecret);
  });

  app.delete<{ Params: { name: string; secret: string } }>('/api/v1/projects/:name/secrets/:secret', audited('secret.remove', manage), async (request) => {
    const { env = null } = parseInput(removeQuery, request.query, 'secret removal');
    const name = parseInput(secretName, request.params.secret, 'secret name');
    const project = await findProject(store, request.params.name);
    await deps.events.transaction(async (tx) => {
      if (!(await tx.store.secrets.remove(project.id, env, name))) {
        throw new NotFoundError('SLIPWAY_SECRET_NOT_FOUND', `${project.name} has no secret ${name} for ${env === null ? 'every environment' : env}`);
      }
      await tx.emit('secret.removed', `secret ${name} removed from ${where(project.name, env)} by ${request.principal.name}`, {
        projectId: project.id, actor: request.principal.name, data: { name, env },
      });
      await auditRequest(tx, request, { target: `secret:${project.name}/${name}${env === null ? '' : `@${env}`}`, project: project.name, before: { name, env } });
      tx.afterCommit(() => secrets.refresh());
    });
    return { removed: true };
  });
}

function where(project: string, env: string | null): string {
  return env === null ? `every environment of ${project}` : `${project} in ${env}`;
}

function showSecret(secret: StoredSecret): SecretAnswer {
  return { name: secret.name, env: secret.env, build: secret.build, updatedAt: secret.updatedAt };
}
