// The pre-flight check of a deployment's load balancer, before anything changes: every LB agent
// connected and reading the backend, every host's server there and in the pool. Pure, as the LB
// step decisions (lb-step-decision.ts); a round reads as lb-view.ts says.
import { agentLiveness } from '../agents/agent-liveness.ts';
import type { LoadBalancerConfig } from '../pipeline/slipway-config.ts';
import { failedRoundsInARow, latestRound, lbAgentName, serverOf, settleRound, type LbLimits, type LbView } from './lb-view.ts';

export type PreflightDecision =
  | { kind: 'wait' }
  | { kind: 'send'; note?: string }
  | { kind: 'passed' }
  | { kind: 'refused'; reason: string; cancel: string[] };

/**
 * Before anything changes: every LB agent must be connected and read the backend, and every host of
 * the deployment must have its server there, in the pool: a server somebody took out (maint, drain)
 * is not put back by a deployment unless it is forced or a rollback (`outOfPoolAllowed`). Refused,
 * with what is wrong where, otherwise; an LB agent that is away (disconnected within its grace) is
 * waited for, and refused once lost.
 */
export function decidePreflight(lb: LbView, hosts: { hostName: string }[], outOfPoolAllowed: boolean, now: number, limits: LbLimits): PreflightDecision {
  const on = Object.entries(lb.config.on).map(([k, v]) => `${k}=${v}`).join(',');
  if (lb.agents.length === 0) return { kind: 'refused', reason: `no LB agent matches loadBalancer on: ${on} (start one with --labels ${on} --haproxy-socket ${lb.config.socket})`, cancel: [] };
  const shared = sharedServer(lb.config, hosts);
  if (shared) return { kind: 'refused', reason: shared, cancel: [] };
  const round = latestRound(lb, null);
  if (round.length === 0) {
    // One that is away may come back within its grace: right after a server restart every agent
    // is away until it dials in again, and that must not refuse a deployment admitted before it.
    const liveness = lb.agents.map((a) => agentLiveness(a.agent, now, limits));
    const lost = lb.agents.filter((_, i) => liveness[i] === 'lost');
    if (lost.length > 0) return { kind: 'refused', reason: `LB agent ${lost.map((a) => a.name).join(', ')} is not connected`, cancel: [] };
    return liveness.includes('away') ? { kind: 'wait' } : { kind: 'send' };
  }
  const settled = settleRound(lb, round, now, limits, null);
  if (settled.kind === 'pending') return { kind: 'wait' };
  if (settled.kind === 'failed') {
    const tries = failedRoundsInARow(lb, null, now, limits, null);
    if (!settled.passing || tries > limits.lbRetries) return { kind: 'refused', reason: settled.reason, cancel: settled.cancel };
    if (now - round[0]!.sentAt < limits.lbRetryDelayMs) return { kind: 'wait' };
    return { kind: 'send', note: `${settled.reason}; asking again (${tries} of ${limits.lbRetries})` };
  }
  const problems: string[] = [];
  for (const { command, result } of settled.answers) {
    const names = new Set(result.lb?.servers.map((s) => s.server) ?? []);
    const missing = hosts.filter((h) => !names.has(serverOf(lb.config, h.hostName)));
    if (missing.length > 0) {
      problems.push(`backend ${lb.config.backend} on LB agent ${lbAgentName(lb, command.lbAgentId)} has no server for ${missing.map((h) => `${h.hostName} (${serverOf(lb.config, h.hostName)})`).join(', ')}`);
    }
    const out = outOfPoolAllowed ? [] : (result.lb?.servers ?? []).filter((s) => s.admin !== 'ready' && hosts.some((h) => serverOf(lb.config, h.hostName) === s.server));
    if (out.length > 0) {
      problems.push(`${out.map((s) => `${s.server} is in ${s.admin}`).join(', ')} on LB agent ${lbAgentName(lb, command.lbAgentId)}: out of the pool by a person, or by a deployment that failed; ` +
        'look at the host first, then deploy with --force to take it through drain, activate and ready (a rollback does so too)');
    }
  }
  return problems.length > 0 ? { kind: 'refused', reason: problems.join('; '), cancel: [] } : { kind: 'passed' };
}

/**
 * Why two hosts would drive one server, or null. A template without {host} (or one host name that
 * makes another's server) would drain, switch and ready them all through that one server: hosts
 * taken out of the pool that never were in it, and the one that was readied while others restart.
 */
function sharedServer(config: LoadBalancerConfig, hosts: { hostName: string }[]): string | null {
  const hostOf = new Map<string, string>();
  for (const { hostName } of hosts) {
    const server = serverOf(config, hostName);
    const other = hostOf.get(server);
    if (other !== undefined) {
      return `the server template ${config.server} gives ${other} and ${hostName} the same server ${server} in backend ${config.backend}: each host needs its own (put {host} in loadBalancer server:)`;
    }
    hostOf.set(server, hostName);
  }
  return null;
}
