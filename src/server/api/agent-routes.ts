// Routes agents use: enrolling, the WebSocket, artifact downloads and uploads, and source archives;
// and the admin's way to change an agent's labels.
import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/websocket';
import { z } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError } from '../../base/errors.ts';
import { newToken } from '../../base/ids.ts';
import type { Principal } from '../../core/access/principal.ts';
import { sourceRef } from '../../core/agents/agent-scope.ts';
import { decideEnrollment } from '../../core/agents/enrollment-decision.ts';
import type { ArtifactUploadAnswer, EnrollmentAnswer } from '../../core/api/answers.ts';
import { MIGRATION_OUTCOME_UNKNOWN } from '../../core/deploy/migration-plan.ts';
import { formatLabels, sameLabels } from '../../core/deploy/select-hosts.ts';
import type { Agent } from '../../core/model.ts';
import { MAX_ADDRESS_CHARS } from '../../core/protocol/messages.ts';
import { audited, auditRequest, notAudited } from '../auth/audit-requests.ts';
import { projectScope, requires } from '../auth/authorize-requests.ts';
import { StaleAction, type Tx } from '../engine/event-log.ts';
import { hashToken } from '../auth/tokens.ts';
import type { ApiDeps } from './api-deps.ts';
import { GroupCommit } from './group-commit.ts';
import { parseInput } from './parse-input.ts';
import { recordArtifactUpload } from './record-artifact-upload.ts';
import { refuseForeignDownload } from './refuse-foreign-download.ts';

/** At most this many labels, each a label name with a value of at most 200 characters: an admin's change and an enrollment alike. */
const MAX_LABELS = 64;
const labels = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'expected a label name of letters, digits, ".", "_", "/" and "-"'),
  z.string().max(200),
).refine((l) => Object.keys(l).length <= MAX_LABELS, { message: `expected at most ${MAX_LABELS} labels` });

// Bounded: whoever holds the join token enrolls, and every reader of hosts is shown what it sent.
const enrollBody = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'expected a host name of letters, digits, ".", "_" and "-"'),
  labels: labels.default({}),
  address: z.string().min(1).max(MAX_ADDRESS_CHARS).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).nullable().default(null),
});

const agentChange = z.object({ labels });

export function agentRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;
  // Enrollments that arrive together are written in one transaction, each answered after its commit.
  const enrollments = new GroupCommit({ events: deps.events, log: deps.log });

  app.post('/api/v1/agents/enroll', audited('agent.enroll', requires('agent.enroll')), async (request, reply) => {
    const body = parseInput(enrollBody, request.body, 'enrollment');
    const token = newToken('swt');
    const tokenHash = hashToken(token);
    let enrolledAgain = false;
    const agent = await enrollments.run(async (tx) => {
      const now = deps.clock.now();
      const existing = await tx.store.agents.getByName(body.name);
      const decision = decideEnrollment(existing, deps.acceptAgents ?? 'auto');
      enrolledAgain = decision.kind === 'again';
      if (decision.kind === 'refuse') throw new ConflictError('SLIPWAY_AGENT_NAME_TAKEN', decision.reason);
      const enrolled = decision.kind === 'new'
        ? await tx.store.agents.enroll({ ...body, tokenHash, status: decision.status }, now)
        : await tx.store.agents.reenroll(decision.agentId, {
          tokenHash, address: body.address, port: body.port, status: decision.status, ...(decision.takeLabels ? { labels: body.labels } : {}),
        }, now);
      if (!enrolled) throw new StaleAction(`agent ${body.name} is gone`);
      // Whoever enrolls under an old id is never handed its migration in flight (see below).
      if (decision.kind === 'again') await answerMigrationsInFlight(tx, enrolled.id, enrolled.name, now);
      if (existing?.status === 'removed') {
        // A new host under the old id: it gets none of the old host's unanswered commands (their
        // secrets, upload tokens) and downloads nothing they named.
        await tx.store.commands.forgetAgent(enrolled.id, { ok: false, error: `agent ${enrolled.name} was removed before it answered` }, now);
        tx.afterCommit(() => deps.gateway.forget(enrolled.id));
      }
      const again = decision.kind === 'again' ? ' again' : '';
      const pending = enrolled.status === 'pending' ? ', pending until an admin accepts it' : '';
      await tx.emit('agent.enrolled', `agent ${enrolled.name} enrolled${again} with ${formatLabels(enrolled.labels) || 'no labels'}${pending}`, {
        actor: request.principal.name, data: { agent: enrolled.name, agentId: enrolled.id, labels: enrolled.labels, status: enrolled.status, again: decision.kind === 'again' },
      });
      await auditRequest(tx, request, {
        target: `agent:${enrolled.name}`, message: decision.kind === 'again' ? 'enrolled again' : null,
        before: existing ? { labels: existing.labels, status: existing.status, address: existing.address } : null,
        after: { labels: enrolled.labels, status: enrolled.status, address: enrolled.address },
      });
      return enrolled;
    });
    if (!sameLabels(agent.labels, body.labels)) {
      deps.log.warn({ agent: agent.name, claimed: body.labels, has: agent.labels }, 'agent enrolled again with other labels: kept its own (an admin changes labels)');
    }
    deps.log.info({ agent: agent.name, status: agent.status }, 'agent enrolled');
    // A migration answered for it above (or a removed host's commands) ends its deployment now, not
    // at the next look. A new agent changes nothing the engine sees until it connects: thousands of
    // hosts enrolling at once are not thousands of looks at everything.
    if (enrolledAgain) deps.wakeEngine();
    return reply.code(201).send({ agentId: agent.id, name: agent.name, token } satisfies EnrollmentAnswer);
  });

  // Labels decide which hosts an environment deploys to and which agents run jobs, so only an
  // admin changes them: an agent's hello cannot (see AgentGateway.hello).
  app.patch<{ Params: { id: string } }>('/api/v1/agents/:id', audited('agent.labels', requires('agent.manage')), async (request) => {
    const { labels } = parseInput(agentChange, request.body, 'agent change');
    const agent = await findAgent(deps, request.params.id);
    const by = request.principal.name;
    await deps.events.transaction(async (tx) => {
      await tx.store.agents.update(agent.id, { labels });
      await tx.emit('agent.labels_changed', `labels of agent ${agent.name} changed from ${formatLabels(agent.labels)} to ${formatLabels(labels)} by ${by}`, {
        actor: by, data: { agent: agent.name, agentId: agent.id, before: agent.labels, after: labels },
      });
      await auditRequest(tx, request, { target: `agent:${agent.name}`, before: { labels: agent.labels }, after: { labels } });
    });
    deps.wakeEngine();
    return { ...agent, labels };
  });

  // The principal is checked before the upgrade, so a bad token gets a plain 401.
  app.get('/api/v1/agent', { websocket: true, ...requires('agent.connect') }, (socket, request) => {
    deps.gateway.accept(socket, agentOf(request.principal));
  });

  app.get<{ Params: { sha256: string } }>('/api/v1/artifacts/:sha256', requires('artifact.download'), async (request, reply) => {
    const { sha256 } = request.params;
    const size = /^[0-9a-f]{64}$/.test(sha256) && (await store.artifacts.hasSha256(sha256)) ? await deps.blobs.size(sha256) : undefined;
    if (size === undefined) throw new NotFoundError('SLIPWAY_ARTIFACT_NOT_FOUND', `no artifact ${sha256}`);
    await refuseForeignDownload(deps, request.principal, { kind: 'artifact', ref: sha256 }, `artifact ${sha256}`);
    return reply.header('content-type', 'application/gzip').header('content-length', size).send(deps.blobs.open(sha256));
  });

  void app.register((uploads, _options, done) => {
    uploads.addContentTypeParser('application/gzip', { bodyLimit: deps.maxArtifactBytes }, (_request, payload, done) => done(null, payload));
    uploads.put('/api/v1/artifacts', notAudited('a runner\'s upload within its job: the artifact is recorded with the job, as an event', { bodyLimit: deps.maxArtifactBytes, ...requires('artifact.upload') }), async (request, reply) => {
      const stored = await recordArtifactUpload(deps, agentOf(request.principal), request);
      return reply.code(201).send(stored satisfies ArtifactUploadAnswer);
    });
    done();
  });

  app.get<{ Params: { project: string; sha: string } }>('/api/v1/projects/:project/source/:sha', requires('source.download', projectScope), async (request, reply) => {
    const project = await store.projects.getByName(request.params.project);
    if (!project) throw new NotFoundError('SLIPWAY_PROJECT_NOT_FOUND', `no project "${request.params.project}"`);
    await refuseForeignDownload(deps, request.principal, { kind: 'source', ref: sourceRef(project.name, request.params.sha) }, `the source of ${project.name} at ${request.params.sha}`);
    const archive = await deps.mirrors.for(project).archive(request.params.sha);
    return reply.header('content-type', 'application/gzip').send(archive);
  });
}

/** The agent behind a route only agents may call (`can` gives agent.connect and artifact.upload to agents alone). */
function agentOf(principal: Principal): Agent {
  if (principal.kind !== 'agent') throw new ForbiddenError('SLIPWAY_FORBIDDEN', `${principal.name} is not an agent`);
  return principal.agent;
}

/** The agent with this id, or else this name; NotFoundError otherwise. */
export async function findAgent(deps: Pick<ApiDeps, 'store'>, idOrName: string): Promise<Agent> {
  const agent = (await deps.store.agents.get(idOrName)) ?? (await deps.store.agents.getByName(idOrName));
  if (!agent) throw new NotFoundError('SLIPWAY_AGENT_NOT_FOUND', `no agent "${idOrName}"`);
  return agent;
}

/**
 * A host enrolled again under its id keeps its unanswered commands (a removed one's are answered
 * "removed"), except a migration: the old agent may have run it, and the new one (a fresh disk,
 * say) has no marker saying so and would run it a second time. It is answered "outcome unknown",
 * never "failed" (it may have run), which stops the deployment for a person (migration-plan.ts);
 * the engine, woken by the route, sees it.
 */
async function answerMigrationsInFlight(tx: Tx, agentId: string, name: string, now: number): Promise<void> {
  for (const pending of await tx.store.commands.listPending(agentId)) {
    if (pending.command.kind !== 'migrate') continue;
    await tx.store.commands.complete(pending.id, {
      ok: false, step: 'migrate', errorCode: MIGRATION_OUTCOME_UNKNOWN,
      error: `agent ${name} enrolled again while this migration was in flight: whether it ran is not known, so it is not run again: check the database, then deploy again`,
    }, now);
  }
}
