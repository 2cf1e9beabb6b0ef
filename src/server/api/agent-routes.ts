// Routes agents use: enrolling, the WebSocket, artifact downloads and uploads, and source archives.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type {} from '@fastify/websocket';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../base/errors.ts';
import { newToken } from '../../base/ids.ts';
import type { ArtifactUploadAnswer, EnrollmentAnswer } from '../../core/api/answers.ts';
import type { Agent } from '../../core/model.ts';
import { hashToken } from '../auth/tokens.ts';
import type { ApiDeps } from './api-deps.ts';
import { authenticateAgent, requireAdminOrAgent, requireSecret } from './auth-hooks.ts';
import { parseInput } from './parse-input.ts';

const enrollBody = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'expected a host name of letters, digits, ".", "_" and "-"'),
  labels: z.record(z.string(), z.string()).default({}),
  address: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).nullable().default(null),
});

export function agentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  app.post('/api/v1/agents/enroll', { preHandler: requireSecret(deps.tokens.join, 'join token') }, async (request, reply) => {
    const body = parseInput(enrollBody, request.body, 'enrollment');
    const token = newToken('swt');
    const agent = await store.agents.enroll({ ...body, tokenHash: hashToken(token) }, deps.clock.now());
    deps.log.info({ agent: agent.name }, 'agent enrolled');
    return reply.code(201).send({ agentId: agent.id, name: agent.name, token } satisfies EnrollmentAnswer);
  });

  // The agent is authenticated before the upgrade, so a bad token gets a plain 401.
  const connecting = new WeakMap<FastifyRequest, Agent>();
  app.get('/api/v1/agent', {
    websocket: true,
    preValidation: async (request) => {
      connecting.set(request, await authenticateAgent(store, request));
    },
  }, (socket, request) => {
    const agent = connecting.get(request);
    if (agent) deps.gateway.accept(socket, agent);
    else socket.close(4001, 'unknown agent');
  });

  app.get<{ Params: { sha256: string } }>('/api/v1/artifacts/:sha256', async (request, reply) => {
    await requireAdminOrAgent(store, deps.tokens.admin, request);
    const { sha256 } = request.params;
    const size = /^[0-9a-f]{64}$/.test(sha256) && (await store.artifacts.hasSha256(sha256)) ? await deps.blobs.size(sha256) : undefined;
    if (size === undefined) throw new NotFoundError('SLIPWAY_ARTIFACT_NOT_FOUND', `no artifact ${sha256}`);
    return reply.header('content-type', 'application/gzip').header('content-length', size).send(deps.blobs.open(sha256));
  });

  void app.register((uploads, _options, done) => {
    uploads.addContentTypeParser('application/gzip', { bodyLimit: deps.maxArtifactBytes }, (_request, payload, done) => done(null, payload));
    uploads.put('/api/v1/artifacts', { bodyLimit: deps.maxArtifactBytes }, async (request, reply) => {
      const agent = await authenticateAgent(store, request);
      if (agent.labels.role !== 'runner') throw new ForbiddenError('SLIPWAY_NOT_A_RUNNER', `agent ${agent.name} is not a runner (role=runner): only runners upload artifacts`);
      const stored = await deps.blobs.put(request.body as Readable);
      deps.log.info({ agent: agent.name, ...stored }, 'artifact uploaded');
      return reply.code(201).send(stored satisfies ArtifactUploadAnswer);
    });
    done();
  });

  app.get<{ Params: { project: string; sha: string } }>('/api/v1/projects/:project/source/:sha', async (request, reply) => {
    await requireAdminOrAgent(store, deps.tokens.admin, request);
    const project = await store.projects.getByName(request.params.project);
    if (!project) throw new NotFoundError('SLIPWAY_PROJECT_NOT_FOUND', `no project "${request.params.project}"`);
    const archive = await deps.mirrors.for(project).archive(request.params.sha);
    return reply.header('content-type', 'application/gzip').send(archive);
  });
}
