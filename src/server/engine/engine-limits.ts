// How long the engine waits for agents and jobs before it calls something failed.
import type { ServerWaits } from '../../core/deploy/app-run-spec.ts';
import type { JobLimits } from '../../core/pipeline/job-planner.ts';

export interface EngineLimits extends ServerWaits, JobLimits {
  /** How often the engine looks at its work when nothing woke it. */
  tickMs: number;
}

export const defaultEngineLimits: EngineLimits = {
  agentGraceMs: 15_000,
  heartbeatTimeoutMs: 15_000,
  prepareTimeoutMs: 10 * 60_000,
  activateMarginMs: 30_000,
  // The agent gives HAProxy 5 s; the rest is the way there and back.
  lbCommandTimeoutMs: 15_000,
  lbPollMs: 250,
  jobQueueTimeoutMs: 60 * 60_000,
  tickMs: 1000,
};
