// Whether a host may enroll under a name: the one rule the enroll route applies. Pure.
import type { Agent } from '../model.ts';

/** How the server takes new agents: at once, or pending until an admin accepts them. */
export type AcceptAgents = 'auto' | 'manual';

export type EnrollmentDecision =
  /** No agent has the name: a new agent, active or pending. */
  | { kind: 'new'; status: 'active' | 'pending' }
  /** The agent enrolls again under its id: a new token; its labels stay unless `takeLabels`. */
  | { kind: 'again'; agentId: string; status: 'active' | 'pending'; takeLabels: boolean }
  /** The name is taken and no admin allowed it to be enrolled again. */
  | { kind: 'refuse'; reason: string };

/**
 * A taken name is refused unless an admin allowed it once (the host keeps its id and labels;
 * a pending one stays pending) or the agent was removed (its name is free: the host enrolls as a
 * new one would, with the labels it asks for, under the old id so that history stays attached).
 * Otherwise anybody holding the join token could take over a production host's identity.
 */
export function decideEnrollment(existing: Agent | undefined, accept: AcceptAgents): EnrollmentDecision {
  const fresh = accept === 'manual' ? 'pending' : 'active';
  if (!existing) return { kind: 'new', status: fresh };
  if (existing.status === 'removed') return { kind: 'again', agentId: existing.id, status: fresh, takeLabels: true };
  if (!existing.enrollAllowed) {
    return { kind: 'refuse', reason: `an agent named "${existing.name}" is enrolled already; an admin allows it to enroll again (slipway agent allow-enroll ${existing.name})` };
  }
  return { kind: 'again', agentId: existing.id, status: existing.status === 'pending' ? 'pending' : 'active', takeLabels: false };
}

/** Whether the agent takes part in deployments and jobs: pending, revoked and removed ones do not. */
export function isActiveAgent(agent: { status: Agent['status'] }): boolean {
  return agent.status === 'active';
}
