// The job planner: from the jobs not yet ended and the runners, the next actions. Gives queued jobs
// to idle runners (oldest job first), ends jobs that were answered, and fails jobs that no runner
// took in time, whose runner was lost, or that ran past their steps' timeouts.
// Pure and idempotent: the engine applies each action in one transaction and asks again.
import { formatLimit } from '../../base/duration.ts';
import { agentLiveness, type AgentLivenessLimits, type AgentPresence } from '../agents/agent-liveness.ts';
import { resolveInFlight, type Failure } from '../agents/command-in-flight.ts';
import { isActiveAgent } from '../agents/enrollment-decision.ts';
import { isRunner } from '../agents/is-runner.ts';
import type { Agent, Job, Labels } from '../model.ts';
import type { CommandResult, JobSpec } from '../protocol/messages.ts';

export interface JobLimits extends AgentLivenessLimits {
  /** A job that no runner takes within this time fails. */
  jobQueueTimeoutMs: number;
}

export interface JobView {
  job: Job;
  /** How long the job may run: its steps' timeouts and a margin (jobTimeoutMs). */
  timeoutMs: number;
  /** The answer to the job's command, once the runner sent it. */
  result: CommandResult | null;
  /**
   * For a build: what its runner uploaded with the job's one-time upload token (null or absent
   * when nothing was). Only this counts as the build's artifact, never a sha256 the answer names.
   */
  upload?: { sha256: string; size: number } | null;
}

export interface RunnerView extends AgentPresence {
  id: string;
  name: string;
  labels: Labels;
  /** Only an active agent (accepted, not revoked or removed) is given a job. */
  status: Agent['status'];
}

export type JobAction =
  | { type: 'dispatch'; jobId: string; agentId: string }
  /** With `artifact` for a build: the version's artifact is recorded with the job's success. */
  | { type: 'succeed-job'; jobId: string; artifact?: { sha256: string; size: number } }
  /** With `cancelCommandId`, the server gave up on the runner: the command is cancelled with it. */
  | { type: 'fail-job'; jobId: string; failure: Failure; cancelCommandId?: string };

/** The margin a job gets past the sum of its steps' timeouts (fetching sources, packing, uploading). */
const JOB_MARGIN_MS = 2 * 60_000;

export function jobTimeoutMs(spec: Pick<JobSpec, 'steps'>): number {
  return spec.steps.reduce((sum, s) => sum + s.timeoutMs, 0) + JOB_MARGIN_MS;
}

export function planJobs(view: { jobs: JobView[]; runners: RunnerView[] }, now: number, limits: JobLimits): JobAction[] {
  const actions: JobAction[] = [];
  const busy = new Set<string>();
  const runnerById = new Map(view.runners.map((r) => [r.id, r]));
  for (const jobView of view.jobs.filter((j) => j.job.status === 'running')) {
    const action = settleRunningJob(jobView, runnerById.get(jobView.job.agentId ?? ''), now, limits);
    if (action) actions.push(action);
    else if (jobView.job.agentId) busy.add(jobView.job.agentId);
  }

  const idle = view.runners
    .filter((r) => isRunner(r) && isActiveAgent(r) && !busy.has(r.id) && agentLiveness(r, now, limits) === 'available')
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const { job } of view.jobs.filter((j) => j.job.status === 'queued')) {
    const runner = idle.shift();
    if (runner) {
      actions.push({ type: 'dispatch', jobId: job.id, agentId: runner.id });
    } else if (now - job.createdAt > limits.jobQueueTimeoutMs) {
      const reason = `no runner (an agent labelled role=runner) took the job within ${formatLimit(limits.jobQueueTimeoutMs)}`;
      actions.push({ type: 'fail-job', jobId: job.id, failure: { step: 'timeout', reason } });
    }
  }
  return actions;
}

function settleRunningJob(view: JobView, runner: RunnerView | undefined, now: number, limits: JobLimits): JobAction | undefined {
  const { job } = view;
  if (job.commandId === null || job.startedAt === null) return undefined;
  const outcome = resolveInFlight({
    sentAt: job.startedAt, result: view.result, agent: runner, timeoutMs: view.timeoutMs, waitsForLostAgent: false,
    who: `runner ${runner?.name ?? job.agentId ?? ''}`,
  }, now, limits);
  switch (outcome.kind) {
    case 'waiting':
      return undefined;
    case 'given_up':
      return { type: 'fail-job', jobId: job.id, failure: outcome.failure, cancelCommandId: job.commandId };
    case 'answered':
      return answered(view, outcome.result);
  }
}

function answered(view: JobView, result: CommandResult): JobAction {
  const fail = (reason: string): JobAction => ({ type: 'fail-job', jobId: view.job.id, failure: { step: 'job', reason } });
  if (!result.ok) return fail(result.error ?? 'the job failed');
  if (view.job.kind !== 'build') return { type: 'succeed-job', jobId: view.job.id };
  const artifact = result.artifact;
  if (!artifact) return fail('the runner reported no artifact');
  const upload = view.upload;
  if (!upload) return fail(`artifact ${artifact.sha256} was not uploaded with the job's upload token`);
  if (upload.sha256 !== artifact.sha256 || upload.size !== artifact.size) {
    return fail(`the runner reported artifact ${artifact.sha256} (${artifact.size} bytes) but uploaded ${upload.sha256} (${upload.size} bytes) for the job`);
  }
  return { type: 'succeed-job', jobId: view.job.id, artifact: { sha256: upload.sha256, size: upload.size } };
}
