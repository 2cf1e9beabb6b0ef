// What the answers of a deployment's LB agents mean for one host's LB step (drain, maint or ready)
// and for the guard while it restarts: wait, ask again, done, or failed. Pure: the deployment
// planner turns a decision into actions; the engine sends one `lb` command per LB agent a round.
// How a round reads (every LB agent must apply a change and read it back as meant) is lb-view.ts.
import { formatLimit } from '../../base/duration.ts';
import { checkLbServers, type LbServerVerdict } from '../lb/check-lb-servers.ts';
import type { LbPurpose } from '../model.ts';
import type { LbState } from '../protocol/messages.ts';
import { latestRound, lbAgentName, serverOf, settleRound, failedRoundsInARow, type LbLimits, type LbView } from './lb-view.ts';

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
  const settled = settleRound(lb, round, now, limits, server);
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
  const settled = settleRound(lb, round, now, limits, server);
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
