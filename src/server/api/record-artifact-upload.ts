// An artifact upload from a runner (issue 7): it counts only with the one-time upload token the
// server gave that runner with a build job, only while the job runs on it, and only once. Anything
// else is refused (403, logged with the agent's name) before the body is stored.
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { ForbiddenError } from '../../base/errors.ts';
import type { Agent } from '../../core/model.ts';
import { UPLOAD_TOKEN_HEADER } from '../artifacts/upload-tokens.ts';
import type { StoredBlob } from '../artifacts/artifact-blobs.ts';
import { hashToken } from '../auth/tokens.ts';
import type { ApiDeps } from './api-deps.ts';

type Deps = Pick<ApiDeps, 'store' | 'blobs' | 'events' | 'clock' | 'log'>;

/**
 * Stores the body and records it as the artifact of the job the request's upload token belongs
 * to. The same bytes sent again with a used token (a retry whose answer a server restart cut off)
 * get the same answer and record nothing; other bytes are refused (SLIPWAY_UPLOAD_TOKEN_USED).
 */
export async function recordArtifactUpload(deps: Deps, agent: Agent, request: FastifyRequest): Promise<StoredBlob> {
  const refuse = (code: string, message: string): ForbiddenError => {
    deps.log.warn({ agent: agent.name, agentId: agent.id, code }, `artifact upload refused: ${message}`);
    return new ForbiddenError(code, message);
  };
  const token = request.headers[UPLOAD_TOKEN_HEADER];
  if (typeof token !== 'string' || token === '') {
    throw refuse('SLIPWAY_UPLOAD_TOKEN_MISSING', `an artifact upload needs the upload token of the build job in the ${UPLOAD_TOKEN_HEADER} header; agent ${agent.name} sent none`);
  }
  const grant = await deps.store.uploads.getByTokenHash(hashToken(token));
  if (!grant || grant.agentId !== agent.id) {
    throw refuse('SLIPWAY_UPLOAD_TOKEN_INVALID', `the upload token is not one the server gave agent ${agent.name} with a build job`);
  }
  const running = async (store: Deps['store']) => {
    const job = await store.jobs.get(grant.jobId);
    return job?.status === 'running' && job.agentId === agent.id;
  };
  if (!(await running(deps.store))) {
    throw refuse('SLIPWAY_UPLOAD_JOB_NOT_RUNNING', `job ${grant.jobId} is not running on agent ${agent.name}: its upload token is spent`);
  }
  const body = request.body as Readable;
  const used = () => refuse('SLIPWAY_UPLOAD_TOKEN_USED', `the upload token of job ${grant.jobId} was used for another artifact already`);
  if (grant.upload) {
    const again = await deps.blobs.digest(body);
    if (same(again, grant.upload)) {
      deps.log.info({ agent: agent.name, job: grant.jobId, ...again }, 'artifact upload repeated (the same bytes): answered as before, nothing recorded');
      return grant.upload;
    }
    throw used();
  }

  const stored = await deps.blobs.put(body);
  const outcome = await deps.events.transaction(async (tx) => {
    if (!(await running(tx.store))) return 'not_running';
    if (await tx.store.uploads.record(grant.jobId, stored, deps.clock.now())) {
      const job = await tx.store.jobs.get(grant.jobId);
      const runId = job?.spec.runId ?? null;
      const projectId = runId ? (await tx.store.runs.get(runId))?.projectId ?? null : null;
      await tx.emit('job.artifact_uploaded', `artifact ${stored.sha256} (${stored.size} bytes) uploaded by runner ${agent.name}`, {
        projectId, runId, deploymentId: job?.spec.deploymentId ?? null, actor: agent.name,
        data: { jobId: grant.jobId, agent: agent.name, sha256: stored.sha256, size: stored.size },
      });
      return 'recorded';
    }
    // Two uploads at once with one token: the same bytes are the same upload.
    return same(stored, (await tx.store.uploads.getByJob(grant.jobId))?.upload) ? 'recorded' : 'used';
  });
  if (outcome === 'not_running') throw refuse('SLIPWAY_UPLOAD_JOB_NOT_RUNNING', `job ${grant.jobId} ended while agent ${agent.name} uploaded its artifact`);
  if (outcome === 'used') throw used();
  deps.log.info({ agent: agent.name, job: grant.jobId, ...stored }, 'artifact uploaded');
  return stored;
}

function same(a: StoredBlob, b: StoredBlob | null | undefined): boolean {
  return !!b && a.sha256 === b.sha256 && a.size === b.size;
}
