// How a version's app runs on a host, and the limits the planner waits with: derived from the
// normalized slipway.yml and the agent, never with defaults of their own.
import type { AgentLivenessLimits } from '../agents/agent-liveness.ts';
import type { Agent, SlipwayConfig } from '../model.ts';
import type { AppRunSpec } from '../protocol/messages.ts';
import type { DeploymentLimits } from './deployment-planner.ts';

/** How an agent runs the app of this config: its PORT is the agent's own when it has one. */
export function appRunSpec(config: SlipwayConfig, agent: Pick<Agent, 'port'>): AppRunSpec {
  return {
    command: config.run.command,
    port: agent.port ?? config.run.port,
    healthPath: config.run.health.http,
    healthTimeoutMs: config.run.health.timeoutMs,
    stopTimeoutMs: config.run.stopTimeoutMs,
  };
}

/** The URL where runners reach the app on this agent. */
export function appUrl(config: SlipwayConfig, agent: Pick<Agent, 'port' | 'address'>): string {
  return `http://${agent.address}:${agent.port ?? config.run.port}`;
}

export interface ServerWaits extends AgentLivenessLimits {
  prepareTimeoutMs: number;
  /** Added to an app's stop and health timeouts to bound one activation. */
  activateMarginMs: number;
  /** How long an LB agent may take to answer one `lb` command. */
  lbCommandTimeoutMs: number;
  /** The least time between two reads of a server being drained or readied. */
  lbPollMs: number;
}

/** How often an LB agent's passing failure (a HAProxy reload) is asked again, and how far apart. */
const LB_RETRIES = 5;
const LB_RETRY_DELAY_MS = 500;

/** The planner's limits for one deployment, from the app's own stop and health timeouts. */
export function deploymentLimits(waits: ServerWaits, config: SlipwayConfig): DeploymentLimits {
  const activateTimeoutMs = config.run.stopTimeoutMs + config.run.health.timeoutMs + waits.activateMarginMs;
  return {
    agentGraceMs: waits.agentGraceMs,
    heartbeatTimeoutMs: waits.heartbeatTimeoutMs,
    prepareTimeoutMs: waits.prepareTimeoutMs,
    activateTimeoutMs,
    // A restore also waits for a lost agent to come back: a few grace periods more.
    restoreTimeoutMs: activateTimeoutMs + waits.agentGraceMs * 4,
    // The agent stops a migration at its own timeout and answers; a lost agent may come back with its answer.
    migrateTimeoutMs: (config.migrate?.timeoutMs ?? 0) + waits.activateMarginMs + waits.agentGraceMs * 4,
    lbCommandTimeoutMs: waits.lbCommandTimeoutMs,
    lbPollMs: waits.lbPollMs,
    lbRetries: LB_RETRIES,
    lbRetryDelayMs: LB_RETRY_DELAY_MS,
    // HAProxy's own checks must see the app up: as long as the app's health check may take, and a margin.
    lbReadyTimeoutMs: config.run.health.timeoutMs + waits.activateMarginMs,
  };
}
