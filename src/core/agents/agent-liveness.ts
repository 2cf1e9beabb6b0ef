// Whether the server may count on an agent: the one rule that job dispatch, the deployment and job
// planners and the gateway's check for silent connections all use.

/** How often a connected agent sends a heartbeat: the server's heartbeat timeout must be longer. */
export const AGENT_HEARTBEAT_MS = 5000;

export interface AgentLivenessLimits {
  /** How long a disconnected agent may take to come back (covers a server or agent restart). */
  agentGraceMs: number;
  /** How long a connected agent may stay silent (it sends heartbeats). */
  heartbeatTimeoutMs: number;
}

/** What the server knows of an agent's connection. */
export interface AgentPresence {
  online: boolean;
  lastSeenAt: number;
}

/**
 * available: connected and heard from within the heartbeat timeout; it may be given new work.
 * away: disconnected, still within its grace period; work it holds is waited for.
 * lost: connected but silent past the heartbeat timeout, or away past the grace period, or unknown.
 */
export type Liveness = 'available' | 'away' | 'lost';

export function agentLiveness(agent: AgentPresence | undefined, now: number, limits: AgentLivenessLimits): Liveness {
  if (!agent) return 'lost';
  const silentFor = now - agent.lastSeenAt;
  if (agent.online) return silentFor > limits.heartbeatTimeoutMs ? 'lost' : 'available';
  return silentFor > limits.agentGraceMs ? 'lost' : 'away';
}

export function isAgentLost(agent: AgentPresence | undefined, now: number, limits: AgentLivenessLimits): boolean {
  return agentLiveness(agent, now, limits) === 'lost';
}
