// A deployment's load balancer as the LB decisions see it (its LB agents, the `lb` commands it sent
// and their answers) and how a round of those commands reads: every answer in, still pending, or
// failed, and why. Pure; the decisions are lb-step-decision.ts and lb-preflight-decision.ts.
//
// A change counts only when every LB agent applied it and reads it back as meant. An LB agent
// that does not answer within `lbCommandTimeoutMs` (an older agent drops `lb` silently) or is lost
// fails the round at once; an answered SLIPWAY_LB_* failure that a HAProxy reload can cause is
// passing: the decisions ask again `lbRetries` times, `lbRetryDelayMs` apart.
import { formatLimit } from '../../base/duration.ts';
import { isAgentLost, type AgentLivenessLimits, type AgentPresence } from '../agents/agent-liveness.ts';
import { lbServerName } from '../lb/lb-server-name.ts';
import type { DeploymentLbCommand } from '../model.ts';
import type { LoadBalancerConfig } from '../pipeline/slipway-config.ts';
import type { CommandResult } from '../protocol/messages.ts';

export interface LbLimits extends AgentLivenessLimits {
  /** How long an LB agent may take to answer one `lb` command. */
  lbCommandTimeoutMs: number;
  /** The least time between two reads of a server being drained or readied. */
  lbPollMs: number;
  /** How often an answered, passing LB failure (HAProxy reloading) is asked again, and how far apart. */
  lbRetries: number;
  lbRetryDelayMs: number;
  /** How long a readied server may take until HAProxy's checks see it up. */
  lbReadyTimeoutMs: number;
}

export interface LbAgentView {
  agentId: string;
  name: string;
  agent: AgentPresence | undefined;
}

export interface LbCommandView extends DeploymentLbCommand {
  result: CommandResult | null;
}

/** A deployment's load balancer: its config, its LB agents, the `lb` commands it sent and their answers. */
export interface LbView {
  config: LoadBalancerConfig;
  agents: LbAgentView[];
  commands: LbCommandView[];
}

/** Errors a HAProxy reload (`-sf`) or a busy HAProxy causes for a moment: asked again. */
const PASSING = new Set(['SLIPWAY_LB_SOCKET_MISSING', 'SLIPWAY_LB_NOT_ANSWERING']);

/** The host's server name in the backend (admission refuses a host whose name makes none). */
export function serverOf(config: LoadBalancerConfig, hostName: string): string {
  return lbServerName(config.server, hostName) ?? config.server.replaceAll('{host}', hostName);
}

/** The commands of the newest round of `hostAgentId` (null: the pre-flight checks). */
export function latestRound(lb: LbView, hostAgentId: string | null): LbCommandView[] {
  const mine = lb.commands.filter((c) => c.hostAgentId === hostAgentId);
  const round = Math.max(-1, ...mine.map((c) => c.round));
  return mine.filter((c) => c.round === round);
}

/** Whether the newest round of the host still waits for an answer that may come. */
export function roundPending(lb: LbView, hostAgentId: string, now: number, limits: LbLimits): boolean {
  return settleRound(lb, latestRound(lb, hostAgentId), now, limits, null).kind === 'pending';
}

export type SettledRound =
  | { kind: 'pending' }
  | { kind: 'failed'; reason: string; passing: boolean; cancel: string[] }
  | { kind: 'answered'; answers: { command: LbCommandView; result: CommandResult }[] };

/** One round: every answer in, or why not. A failure names the LB host and the command. */
export function settleRound(lb: LbView, round: LbCommandView[], now: number, limits: LbLimits, server: string | null): SettledRound {
  const failures: { reason: string; passing: boolean }[] = [];
  const cancel: string[] = [];
  let pending = false;
  const answers: { command: LbCommandView; result: CommandResult }[] = [];
  for (const command of round) {
    const who = `LB agent ${lbAgentName(lb, command.lbAgentId)}`;
    const what = describeCommand(lb.config, command, server);
    if (command.result) {
      const odd = command.result.ok ? oddAnswer(lb.config, command.result) : null;
      if (odd) failures.push({ reason: `${who} (${what}): ${odd}`, passing: false });
      else if (command.result.ok) answers.push({ command, result: command.result });
      else {
        const code = command.result.errorCode;
        failures.push({ reason: `${who} (${what}): ${code ? `${code}: ` : ''}${command.result.error ?? 'failed without a message'}`, passing: code !== undefined && PASSING.has(code) });
      }
      continue;
    }
    const agent = lb.agents.find((a) => a.agentId === command.lbAgentId)?.agent;
    if (isAgentLost(agent, now, limits)) {
      failures.push({ reason: `${who} (${what}): agent lost: it stopped answering`, passing: false });
      cancel.push(command.commandId);
    } else if (now - command.sentAt > limits.lbCommandTimeoutMs) {
      failures.push({ reason: `${who} (${what}): no answer within ${formatLimit(limits.lbCommandTimeoutMs)} (an agent without --haproxy-socket, or an older one, does not take lb commands)`, passing: false });
      cancel.push(command.commandId);
    } else pending = true;
  }
  if (failures.length > 0 && !pending) {
    return { kind: 'failed', reason: failures.map((f) => f.reason).join('; '), passing: failures.every((f) => f.passing), cancel };
  }
  if (pending) return { kind: 'pending' };
  return { kind: 'answered', answers };
}

/**
 * What makes an LB agent's answer one no HAProxy gives, or null: it reads another backend than
 * asked, or one server twice (HAProxy names are unique in a backend). Slipway reads the first of
 * a name: a second, in another state, is not to be trusted either way.
 */
function oddAnswer(config: LoadBalancerConfig, result: CommandResult): string | null {
  if (!result.lb) return null;
  if (result.lb.backend !== config.backend) return `it answered about backend ${result.lb.backend}, not ${config.backend}`;
  const seen = new Set<string>();
  for (const { server } of result.lb.servers) {
    if (seen.has(server)) return `it reported server ${server} twice in backend ${config.backend}`;
    seen.add(server);
  }
  return null;
}

/** How many of the host's newest rounds failed, one after the other. */
export function failedRoundsInARow(lb: LbView, hostAgentId: string | null, now: number, limits: LbLimits, server: string | null): number {
  const rounds = [...new Set(lb.commands.filter((c) => c.hostAgentId === hostAgentId).map((c) => c.round))].sort((a, b) => b - a);
  let count = 0;
  for (const round of rounds) {
    if (settleRound(lb, lb.commands.filter((c) => c.round === round), now, limits, server).kind !== 'failed') break;
    count++;
  }
  return count;
}

export function lbAgentName(lb: LbView, agentId: string): string {
  return lb.agents.find((a) => a.agentId === agentId)?.name ?? agentId;
}

/** The command in HAProxy's words, for a failure's cause: "set server shop/web-1 state drain". */
function describeCommand(config: LoadBalancerConfig, command: DeploymentLbCommand, server: string | null): string {
  if (command.purpose === 'set' && server !== null && command.intended) return `set server ${config.backend}/${server} state ${command.intended}`;
  return server === null ? `read backend ${config.backend}` : `read ${config.backend}/${server}`;
}
