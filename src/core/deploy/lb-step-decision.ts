// What the answers of a deployment's LB agents mean for one host's LB step (drain or ready), and for
// the pre-flight check of the backend: wait, ask again, done, or failed. Pure: the deployment
// planner turns a decision into actions; the engine sends one `lb` command per LB agent a round.
//
// A change counts only when every LB agent applied it and reads it back as meant. An LB agent
// that does not answer within `lbCommandTimeoutMs` (an older agent drops `lb` silently) or is lost
// fails the step at once; an answered SLIPWAY_LB_* failure that a HAProxy reload can cause is asked
// again `lbRetries` times, `lbRetryDelayMs` apart, before it fails the step.
import { formatLimit } from '../../base/duration.ts';
import { agentLiveness, isAgentLost, type AgentLivenessLimits, type AgentPresence } from '../agents/agent-liveness.ts';
import { checkLbServers, type LbServerVerdict } from '../lb/check-lb-servers.ts';
import { lbServerName } from '../lb/lb-server-name.ts';
import type { DeploymentLbCommand, LbPurpose } from '../model.ts';
import type { LoadBalancerConfig } from '../pipeline/slipway-config.ts';
import type { CommandResult, LbState } from '../protocol/messages.ts';

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

/** The host an LB step is about: its server is `lbServerName(config.server, hostName)`. */
export interface LbHost {
  agentId: string;
  hostName: string;
  /** When the step began (drain timeout, ready timeout). */
  since: number;
}

export type LbDecision =
  | { kind: 'wait' }
  /** Send a round: `note` says why when it is not the plain next read (a retry, a state set again). */
  | { kind: 'send'; purpose: LbPurpose; intended: LbState; note?: string; cancel: string[] }
  /** The step is through; `note` says so when only the drain timeout ended it. */
  | { kind: 'done'; note?: string; cancel: string[] }
  | { kind: 'failed'; reason: string; cancel: string[] };

/** The verdict that ends a step meant to put a server in each state. */
const THROUGH: Record<LbState, LbServerVerdict['verdict']> = { drain: 'drained', ready: 'serving', maint: 'out' };

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
  return settle(lb, latestRound(lb, hostAgentId), now, limits, null).kind === 'pending';
}

type Settled =
  | { kind: 'pending' }
  | { kind: 'failed'; reason: string; passing: boolean; cancel: string[] }
  | { kind: 'answered'; answers: { command: LbCommandView; result: CommandResult }[] };

/** One round: every answer in, or why not. A failure names the LB host and the command. */
function settle(lb: LbView, round: LbCommandView[], now: number, limits: LbLimits, server: string | null): Settled {
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

/**
 * The next move of a host's drain, maint or ready step (`intended`), from the newest round of its
 * LB commands. Drain is through when every LB agent reads the server drained with no sessions
 * left, or when the drain timeout passed; maint when every one has it in maintenance; ready when
 * every one sees it serving (HAProxy's checks say up: a `warming` server takes no traffic yet, so
 * the next host waits). A server HAProxy has in another state than meant (a reload put it back)
 * is set again, with a note.
 */
export function decideLbStep(lb: LbView, host: LbHost, intended: LbState, now: number, limits: LbLimits): LbDecision {
  const round = latestRound(lb, host.agentId);
  if (round.length === 0) return { kind: 'send', purpose: 'set', intended, cancel: [] };
  const server = serverOf(lb.config, host.hostName);
  const settled = settle(lb, round, now, limits, server);
  const last = round[0]!;
  if (settled.kind === 'pending') return { kind: 'wait' };
  if (settled.kind === 'failed') {
    const tries = failedRoundsInARow(lb, host.agentId, now, limits, server);
    if (!settled.passing || tries > limits.lbRetries) return { kind: 'failed', reason: settled.reason, cancel: settled.cancel };
    if (now - last.sentAt < limits.lbRetryDelayMs) return { kind: 'wait' };
    return { kind: 'send', purpose: last.purpose, intended, note: `${settled.reason}; asking again (${tries} of ${limits.lbRetries})`, cancel: settled.cancel };
  }
  const verdicts = settled.answers.map(({ command, result }) => ({
    lbHost: lbAgentName(lb, command.lbAgentId),
    verdict: result.lb ? checkLbServers(result.lb, { [server]: intended })[0]! : ({ server, verdict: 'missing' } satisfies LbServerVerdict),
  }));
  const missing = verdicts.find((v) => v.verdict.verdict === 'missing');
  if (missing) return { kind: 'failed', reason: `LB agent ${missing.lbHost}: backend ${lb.config.backend} has no server ${server}`, cancel: [] };
  const unintended = verdicts.filter((v) => v.verdict.verdict === 'unintended');
  if (unintended.length > 0) {
    const seen = unintended.map((v) => `${v.lbHost} has it ${v.verdict.verdict === 'unintended' ? v.verdict.actual : '?'}`).join(', ');
    // A reload puts a server back once; HAProxy that keeps it otherwise (it tracks a server in
    // maint, its address does not resolve, a person or a second HAProxy undoes it) would be set
    // again forever, with no timeout to end the step.
    const times = unintendedRoundsInARow(lb, host.agentId, server, intended);
    if (times > limits.lbRetries) {
      return { kind: 'failed', reason: `HAProxy keeps ${server} other than ${intended} (${seen}) after Slipway set it ${intended} ${times} times in a row`, cancel: [] };
    }
    return { kind: 'send', purpose: 'set', intended, note: `${server} is not ${intended} as Slipway set it (${seen}; a HAProxy reload or a person): setting ${intended} again`, cancel: [] };
  }
  if (verdicts.every((v) => v.verdict.verdict === THROUGH[intended])) return { kind: 'done', cancel: [] };
  const elapsed = now - host.since;
  if (intended === 'drain' && elapsed >= lb.config.drainMs) {
    const open = verdicts.map((v) => v.verdict.verdict === 'draining' ? `${v.verdict.scur} on ${v.lbHost}` : null).filter(Boolean).join(', ');
    return { kind: 'done', note: `drain timeout (${formatLimit(lb.config.drainMs)}) passed with sessions still open on ${server} (${open}): going on`, cancel: [] };
  }
  if (intended === 'ready' && elapsed >= limits.lbReadyTimeoutMs) {
    const states = verdicts.map((v) => `${v.lbHost}: ${v.verdict.verdict === 'warming' ? v.verdict.status : v.verdict.verdict}`).join(', ');
    return { kind: 'failed', reason: `HAProxy does not see ${server} up ${formatLimit(limits.lbReadyTimeoutMs)} after it was readied (${states})`, cancel: [] };
  }
  if (now - last.sentAt < limits.lbPollMs) return { kind: 'wait' };
  return { kind: 'send', purpose: 'read', intended, cancel: [] };
}

/**
 * While the host restarts (activating, restoring) it must stay out of the pool: its server is read
 * every `lbPollMs`, and set to `intended` again, with a note, when HAProxy has it otherwise (a
 * reload put it back). A failing read does not fail the activation (the ready step that follows
 * would fail on a broken LB); it is noted and read again.
 */
export function decideLbGuard(lb: LbView, host: LbHost, intended: LbState, now: number, limits: LbLimits): LbDecision {
  const round = latestRound(lb, host.agentId);
  const last = round[0];
  if (!last) return { kind: 'wait' };
  const server = serverOf(lb.config, host.hostName);
  const settled = settle(lb, round, now, limits, server);
  if (settled.kind === 'pending') return { kind: 'wait' };
  if (settled.kind === 'failed') {
    if (now - last.sentAt < limits.lbRetryDelayMs) return { kind: 'wait' };
    return { kind: 'send', purpose: 'read', intended, note: `${settled.reason}; reading again while ${server} restarts`, cancel: settled.cancel };
  }
  const unintended = settled.answers.flatMap(({ command, result }) => {
    const verdict = result.lb ? checkLbServers(result.lb, { [server]: intended })[0] : undefined;
    return verdict?.verdict === 'unintended' ? [`${lbAgentName(lb, command.lbAgentId)} has it ${verdict.actual}`] : [];
  });
  if (unintended.length > 0) {
    return { kind: 'send', purpose: 'set', intended, note: `${server} is not ${intended} as Slipway set it while it restarts (${unintended.join(', ')}; a HAProxy reload or a person): setting ${intended} again`, cancel: [] };
  }
  if (now - last.sentAt < limits.lbPollMs) return { kind: 'wait' };
  return { kind: 'send', purpose: 'read', intended, cancel: [] };
}

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
  const settled = settle(lb, round, now, limits, null);
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

/** How many of the host's newest rounds failed, one after the other. */
function failedRoundsInARow(lb: LbView, hostAgentId: string | null, now: number, limits: LbLimits, server: string | null): number {
  const rounds = [...new Set(lb.commands.filter((c) => c.hostAgentId === hostAgentId).map((c) => c.round))].sort((a, b) => b - a);
  let count = 0;
  for (const round of rounds) {
    if (settle(lb, lb.commands.filter((c) => c.round === round), now, limits, server).kind !== 'failed') break;
    count++;
  }
  return count;
}

/** How many of the host's newest rounds for `intended`, one after the other, read its server in another admin state. */
function unintendedRoundsInARow(lb: LbView, hostAgentId: string, server: string, intended: LbState): number {
  const rounds = [...new Set(lb.commands.filter((c) => c.hostAgentId === hostAgentId).map((c) => c.round))].sort((a, b) => b - a);
  let count = 0;
  for (const round of rounds) {
    const commands = lb.commands.filter((c) => c.round === round);
    if (commands.some((c) => c.intended !== intended)) break;
    const unintended = commands.some((c) => c.result?.lb && checkLbServers(c.result.lb, { [server]: intended })[0]?.verdict === 'unintended');
    if (!unintended) break;
    count++;
  }
  return count;
}

function lbAgentName(lb: LbView, agentId: string): string {
  return lb.agents.find((a) => a.agentId === agentId)?.name ?? agentId;
}

/** The command in HAProxy's words, for a failure's cause: "set server shop/web-1 state drain". */
function describeCommand(config: LoadBalancerConfig, command: DeploymentLbCommand, server: string | null): string {
  if (command.purpose === 'set' && server !== null && command.intended) return `set server ${config.backend}/${server} state ${command.intended}`;
  return server === null ? `read backend ${config.backend}` : `read ${config.backend}/${server}`;
}
