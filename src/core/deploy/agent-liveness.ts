// When the server stops waiting for an agent: one that is disconnected past a grace period, or
// connected but silent past the heartbeat timeout.

export interface AgentLivenessLimits {
  /** How long a disconnected agent may take to come back (covers a server or agent restart). */
  agentGraceMs: number;
  /** How long a connected agent may stay silent (it sends heartbeats). */
  heartbeatTimeoutMs: number;
}

export function isAgentLost(agent: { online: boolean; lastSeenAt: number }, now: number, limits: AgentLivenessLimits): boolean {
  const silentFor = now - agent.lastSeenAt;
  return agent.online ? silentFor > limits.heartbeatTimeoutMs : silentFor > limits.agentGraceMs;
}
