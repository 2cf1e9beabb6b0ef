// How long an agent waits before it dials the server again: exponential from 250 ms, jittered by
// ±50 % so that a fleet that lost a restarted server does not come back all in one instant.
// Capped at a heartbeat interval: once the server answers again, every agent tries within one
// interval and a half of it, so the whole fleet is back well inside the server's heartbeat
// timeout (15 s), not up to 45 s later as with a 30 s cap. A refused dial costs the server
// nothing (the kernel answers it), so trying this often while it is away storms nothing.
import { AGENT_HEARTBEAT_MS } from '../../core/agents/agent-liveness.ts';

const FIRST_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = AGENT_HEARTBEAT_MS;

/** The delay before the dial after `attempt` failed ones in a row (0: the first retry); `random` in [0, 1). */
export function reconnectDelayMs(attempt: number, random: number): number {
  const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.5 + random));
}
