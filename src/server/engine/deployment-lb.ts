// The engine's side of a deployment behind a load balancer: what the planner needs to see of it (the
// LB agents and the answers to the `lb` commands sent so far), and the writing of a round of `lb`
// commands, one per LB agent, with its record in deployment_lb_commands.
import { newId } from '../../base/ids.ts';
import type { DeploymentAction, HostView } from '../../core/deploy/deployment-planner.ts';
import { serverOf, type LbCommandView, type LbView } from '../../core/deploy/lb-view.ts';
import { selectHosts } from '../../core/deploy/select-hosts.ts';
import type { Deployment, DeploymentLbCommand } from '../../core/model.ts';
import type { LoadBalancerConfig } from '../../core/pipeline/slipway-config.ts';
import type { LbCommand } from '../../core/protocol/messages.ts';
import type { Store } from '../../storage/store.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import type { Tx } from './event-log.ts';

/** The planner reads only the newest rounds of each host (the retry count looks back this far). */
const ROUNDS_KEPT_IN_VIEW = 12;

/**
 * The LB agents are the agents `on:` selects now, and any the deployment already sent commands
 * to: one that was relabelled or removed meanwhile stays, and its silence fails the step.
 */
export async function readLbView(store: Store, deployment: Deployment, config: LoadBalancerConfig, agents: AgentsById): Promise<LbView> {
  const rows = recentRounds(await store.deployments.lbCommands(deployment.id));
  // One query for the answers, not one per command: the engine looks every lbPollMs.
  const results = await store.commands.results(rows.map((r) => r.commandId));
  const commands: LbCommandView[] = rows.map((row) => ({ ...row, result: results.get(row.commandId) ?? null }));
  const selected = selectHosts([...agents.values()], config.on).map((a) => a.id);
  const ids = [...new Set([...selected, ...rows.map((r) => r.lbAgentId)])];
  return {
    config,
    agents: ids.map((id) => ({ agentId: id, name: agents.get(id)?.name ?? id, agent: agents.get(id) })),
    commands,
  };
}

function recentRounds(rows: DeploymentLbCommand[]): DeploymentLbCommand[] {
  const roundsByHost = new Map<string | null, number[]>();
  for (const row of rows) {
    const rounds = roundsByHost.get(row.hostAgentId) ?? [];
    if (!rounds.includes(row.round)) rounds.push(row.round);
    roundsByHost.set(row.hostAgentId, rounds);
  }
  const kept = new Set([...roundsByHost.values()].flatMap((rounds) => rounds.sort((a, b) => b - a).slice(0, ROUNDS_KEPT_IN_VIEW)));
  return rows.filter((row) => kept.has(row.round));
}

/** Writes one round down in `tx`: an `lb` command for every LB agent, and its record. */
export async function writeLbRound(
  ctx: EngineContext, tx: Tx, deployment: Deployment, lb: LbView, hosts: HostView[], action: Extract<DeploymentAction, { type: 'lb' }>, now: number,
): Promise<void> {
  const host = hosts.find((h) => h.agentId === action.hostAgentId);
  const server = host ? serverOf(lb.config, host.hostName) : null;
  const command: LbCommand = {
    kind: 'lb', socket: lb.config.socket, backend: lb.config.backend,
    set: action.purpose === 'set' && server && action.intended ? [{ server, state: action.intended }] : [],
    runId: deployment.runId, deploymentId: deployment.id,
  };
  const records: DeploymentLbCommand[] = [];
  for (const agent of lb.agents) {
    const id = newId();
    await tx.store.commands.create({ id, agentId: agent.agentId, command }, now);
    records.push({
      deploymentId: deployment.id, commandId: id, lbAgentId: agent.agentId, hostAgentId: action.hostAgentId,
      purpose: action.purpose, intended: action.intended, round: action.round, sentAt: now,
    });
    tx.afterCommit(() => ctx.gateway.deliver(agent.agentId));
  }
  await tx.store.deployments.addLbCommands(records);
}
