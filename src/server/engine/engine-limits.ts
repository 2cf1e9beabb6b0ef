// How long the engine waits for agents and jobs before it calls something failed.
import type { DeploymentLimits } from '../../core/deploy/deployment-planner.ts';
import type { AppRunSpec } from '../../core/protocol/messages.ts';

export interface EngineLimits {
  agentGraceMs: number;
  heartbeatTimeoutMs: number;
  prepareTimeoutMs: number;
  /** Added to an app's stop and health timeouts to bound one activation. */
  activateMarginMs: number;
  /** A job that no runner takes within this time fails. */
  jobQueueTimeoutMs: number;
  /** How often the engine looks at its work when nothing woke it. */
  tickMs: number;
}

export const defaultEngineLimits: EngineLimits = {
  agentGraceMs: 15_000,
  heartbeatTimeoutMs: 15_000,
  prepareTimeoutMs: 10 * 60_000,
  activateMarginMs: 30_000,
  jobQueueTimeoutMs: 60 * 60_000,
  tickMs: 1000,
};

/** The planner's limits for one deployment, from the app's own stop and health timeouts. */
export function deploymentLimits(limits: EngineLimits, run: AppRunSpec): DeploymentLimits {
  const activateTimeoutMs = run.stopTimeoutMs + run.healthTimeoutMs + limits.activateMarginMs;
  return {
    agentGraceMs: limits.agentGraceMs,
    heartbeatTimeoutMs: limits.heartbeatTimeoutMs,
    prepareTimeoutMs: limits.prepareTimeoutMs,
    activateTimeoutMs,
    restoreTimeoutMs: activateTimeoutMs + limits.agentGraceMs * 4,
  };
}
