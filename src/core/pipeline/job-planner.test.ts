// Tests of the job planner on plain data: dispatch, expiry, lost runners, timeouts and answers.
import { describe, expect, it } from 'vitest';
import type { Job } from '../model.ts';
import { jobTimeoutMs, planJobs, type JobLimits, type JobView, type RunnerView } from './job-planner.ts';

const limits: JobLimits = { agentGraceMs: 15_000, heartbeatTimeoutMs: 15_000, jobQueueTimeoutMs: 3_600_000 };
const now = 10_000_000;

function job(id: string, patch: Partial<Job> = {}): Job {
  return {
    id, owner: { kind: 'stage', runId: 'run-1', stageId: 'stage-1' }, kind: 'build', status: 'queued', agentId: null, commandId: null,
    error: null, createdAt: now - 1000, startedAt: null, finishedAt: null, ...patch,
  };
}

const running = (id: string, agentId: string, patch: Partial<Job> = {}) =>
  job(id, { status: 'running', agentId, commandId: `cmd-${id}`, startedAt: now - 1000, ...patch });

function view(j: Job, patch: Partial<JobView> = {}): JobView {
  return { job: j, timeoutMs: 600_000, result: null, ...patch };
}

function runner(name: string, patch: Partial<RunnerView> = {}): RunnerView {
  return { id: `agent-${name}`, name, labels: { role: 'runner' }, status: 'active', online: true, lastSeenAt: now, ...patch };
}

describe('planJobs', () => {
  it('gives the oldest queued jobs to idle runners, one job per runner', () => {
    const actions = planJobs({ jobs: [view(job('j1')), view(job('j2')), view(job('j3'))], runners: [runner('ci-2'), runner('ci-1')] }, now, limits);
    expect(actions).toEqual([
      { type: 'dispatch', jobId: 'j1', agentId: 'agent-ci-1' },
      { type: 'dispatch', jobId: 'j2', agentId: 'agent-ci-2' },
    ]);
  });

  it('gives no job to a runner that is busy, away, silent, pending or revoked, or to an agent that is not a runner', () => {
    const runners = [
      runner('busy'),
      runner('away', { online: false, lastSeenAt: now - 1000 }),
      runner('silent', { lastSeenAt: now - limits.heartbeatTimeoutMs - 1 }),
      runner('web-1', { labels: { env: 'production' } }),
      runner('revoked', { status: 'revoked' }),
      runner('pending', { status: 'pending' }),
    ];
    const jobs = [view(running('j0', 'agent-busy')), view(job('j1'))];
    expect(planJobs({ jobs, runners }, now, limits)).toEqual([]);
  });

  it('fails a job that no runner took within the queue timeout', () => {
    const old = job('j1', { createdAt: now - limits.jobQueueTimeoutMs - 1 });
    expect(planJobs({ jobs: [view(old)], runners: [] }, now, limits)).toEqual([{
      type: 'fail-job', jobId: 'j1', failure: { step: 'timeout', reason: 'no runner (an agent labelled role=runner) took the job within 1h' },
    }]);
    expect(planJobs({ jobs: [view(job('j1', { createdAt: now - limits.jobQueueTimeoutMs }))], runners: [] }, now, limits)).toEqual([]);
  });

  it('fails the job of a runner lost in the middle of it, cancels its command, and hands the next job to another runner', () => {
    const lost = runner('ci-1', { online: false, lastSeenAt: now - limits.agentGraceMs - 1 });
    const actions = planJobs({ jobs: [view(running('j1', lost.id)), view(job('j2'))], runners: [lost, runner('ci-2')] }, now, limits);
    expect(actions).toEqual([
      { type: 'fail-job', jobId: 'j1', cancelCommandId: 'cmd-j1', failure: { step: 'agent_lost', reason: 'agent lost: runner ci-1 stopped answering' } },
      { type: 'dispatch', jobId: 'j2', agentId: 'agent-ci-2' },
    ]);
  });

  it('waits for a runner that disconnected within its grace period', () => {
    const away = runner('ci-1', { online: false, lastSeenAt: now - limits.agentGraceMs });
    expect(planJobs({ jobs: [view(running('j1', away.id))], runners: [away] }, now, limits)).toEqual([]);
  });

  it('fails a job that runs past its timeout', () => {
    const late = running('j1', 'agent-ci-1', { startedAt: now - 600_001 });
    expect(planJobs({ jobs: [view(late)], runners: [runner('ci-1')] }, now, limits)).toEqual([
      { type: 'fail-job', jobId: 'j1', cancelCommandId: 'cmd-j1', failure: { step: 'timeout', reason: 'timed out after 10m waiting for runner ci-1' } },
    ]);
  });

  it('ends an answered job: a build with its uploaded artifact, a failure with its error', () => {
    const artifact = { sha256: 'a'.repeat(64), size: 2048 };
    const built = view(running('j1', 'agent-ci-1'), { result: { ok: true, artifact }, upload: artifact });
    const partial = view(running('j2', 'agent-ci-2'), { result: { ok: true, artifact }, upload: null });
    const failed = view(running('j3', 'agent-ci-3', { kind: 'verify' }), { result: { ok: false, error: 'step "acceptance" exited with code 1' } });
    const verified = view(running('j4', 'agent-ci-4', { kind: 'verify' }), { result: { ok: true } });
    const runners = ['ci-1', 'ci-2', 'ci-3', 'ci-4'].map((n) => runner(n));
    expect(planJobs({ jobs: [built, partial, failed, verified], runners }, now, limits)).toEqual([
      { type: 'succeed-job', jobId: 'j1', artifact },
      { type: 'fail-job', jobId: 'j2', failure: { step: 'job', reason: `artifact ${artifact.sha256} was not uploaded with the job's upload token` } },
      { type: 'fail-job', jobId: 'j3', failure: { step: 'job', reason: 'step "acceptance" exited with code 1' } },
      { type: 'succeed-job', jobId: 'j4' },
    ]);
  });

  it('fails a build whose answer names another artifact than the one its runner uploaded with the job\'s token', () => {
    const uploaded = { sha256: 'a'.repeat(64), size: 2048 };
    const other = { sha256: 'b'.repeat(64), size: 2048 };
    const lying = view(running('j1', 'agent-ci-1'), { result: { ok: true, artifact: other }, upload: uploaded });
    expect(planJobs({ jobs: [lying], runners: [runner('ci-1')] }, now, limits)).toEqual([
      { type: 'fail-job', jobId: 'j1', failure: { step: 'job', reason: `the runner reported artifact ${other.sha256} (2048 bytes) but uploaded ${uploaded.sha256} (2048 bytes) for the job` } },
    ]);
  });

  it('frees the runner of a job that ends in this pass for the next queued job', () => {
    const done = view(running('j1', 'agent-ci-1', { kind: 'verify' }), { result: { ok: true } });
    expect(planJobs({ jobs: [done, view(job('j2'))], runners: [runner('ci-1')] }, now, limits)).toEqual([
      { type: 'succeed-job', jobId: 'j1' },
      { type: 'dispatch', jobId: 'j2', agentId: 'agent-ci-1' },
    ]);
  });

  it('gives a job its steps\' timeouts and a margin', () => {
    expect(jobTimeoutMs({ steps: [{ name: 'a', run: 'a', timeoutMs: 60_000 }, { name: 'b', run: 'b', timeoutMs: 30_000 }] })).toBe(210_000);
  });
});
