// The deployment planner's steps behind a load balancer, per host: the pre-flight read of the
// backend, drain → activate → health → ready in a rollout, and drain → restore → ready in a
// rollback. A host whose agent is gone while it restarts, or before its restore, is fenced: set to
// maint at once, so that whatever its host runs gets no traffic, until its agent is back and has
// restored the known-good release. Pure: lb-step-decision.ts reads the LB agents' answers; this
// turns them into actions.
import { agentLiveness, isAgentLost } from '../agents/agent-liveness.ts';
import type { Deployment, HostStep, LbPurpose } from '../model.ts';
import type { LbState } from '../protocol/messages.ts';
import type { DeploymentAction, DeploymentLimits, HostPatch, HostView } from './deployment-planner.ts';
import { failedAt, notConnected, restore } from './host-changes.ts';
import { decidePreflight } from './lb-preflight-decision.ts';
import { decideLbGuard, decideLbStep, type LbDecision, type LbHost } from './lb-step-decision.ts';
import { latestRound, roundPending, type LbView } from './lb-view.ts';

export interface LbPlanContext {
  view: LbView;
  now: number;
  limits: DeploymentLimits;
  /** Hands out the round numbers of this pass's `lb` actions, one each. */
  nextRound: () => number;
}

/**
 * While the deployment stages: null once the pre-flight read passed (staging goes on), else what
 * to do about it. A refusal ends the deployment before any host was touched.
 */
export function planPreflight(lb: LbPlanContext, hosts: HostView[], deployment: Deployment): DeploymentAction[] | null {
  const decision = decidePreflight(lb.view, hosts, deployment.forced || deployment.kind === 'rollback', lb.now, lb.limits);
  switch (decision.kind) {
    case 'passed':
      return null;
    case 'wait':
      return [];
    case 'send':
      return [{ type: 'lb', round: lb.nextRound(), hostAgentId: null, purpose: 'check', intended: null, ...(decision.note ? { note: decision.note } : {}) }];
    case 'refused':
      return [{ type: 'finish', status: 'failed', error: `refused before anything changed: ${decision.reason}` }];
  }
}

/** A host of the batch being rolled out: drained, activated, readied. */
export function planLbActivation(lb: LbPlanContext, host: HostView, version: string): DeploymentAction[] {
  switch (host.step) {
    case 'staged':
      // Not activated, so nothing to restore there; the next pass rolls the others back.
      if (isAgentLost(host.agent, lb.now, lb.limits)) return [{ type: 'update-host', agentId: host.agentId, patch: failedAt('staging', notConnected, []) }];
      return [round(lb, host, 'set', 'drain', enter('draining', lb.now))];
    case 'draining':
      return follow(lb, host, 'drain', {
        done: (note, cancel) => [{ type: 'send', agentId: host.agentId, command: { kind: 'activate', version }, step: 'activating', cancel, ...(note ? { note } : {}) }],
        // Nothing switched yet: the host is not restored, only put back in the pool.
        failed: (reason, cancel) => [{ type: 'update-host', agentId: host.agentId, patch: { ...lbFailure(reason), step: 'stage_failed' }, cancel }],
      });
    case 'activating':
      return planLbRestart(lb, host);
    case 'healthy':
      // A drain set again while it restarted may still be on its way: the agent runs commands side
      // by side, so a ready sent now could be undone by that drain landing after it.
      if (roundPending(lb.view, host.agentId, lb.now, lb.limits)) return [];
      return [round(lb, host, 'set', 'ready', enter('readying', lb.now))];
    case 'readying':
      return follow(lb, host, 'ready', {
        done: (note, cancel) => [{ type: 'update-host', agentId: host.agentId, patch: { step: 'ready', commandSentAt: null }, cancel, ...(note ? { note } : {}) }],
        failed: (reason, cancel) => [{ type: 'update-host', agentId: host.agentId, patch: { ...lbFailure(reason), step: 'failed' }, cancel }],
      });
    default:
      return [];
  }
}

/**
 * A host that restarts (activating, restoring) stays out of the pool: drained, or fenced (maint)
 * once its agent is gone, and set so again when a HAProxy reload put it back.
 */
export function planLbRestart(lb: LbPlanContext, host: HostView): DeploymentAction[] {
  if (mustFence(lb, host)) return fence(lb, host);
  const decision = decideLbGuard(lb.view, lbHost(host), isFenced(lb, host) ? 'maint' : 'drain', lb.now, lb.limits);
  return decision.kind === 'send' ? [round(lb, host, decision.purpose, decision.intended, undefined, decision.note, decision.cancel)] : [];
}

/**
 * A rollback behind a load balancer. A host that ran the new version is drained, restored and
 * readied, as many at a time as a batch holds (the failed ones first: they are out of the pool
 * already), so that the others keep serving; a host that was only drained is readied at once. A
 * host whose agent is gone is fenced at once and takes no place in a batch while it is gone: it serves
 * nothing, and waits for its agent (up to the restore timeout) while the others are restored. A rollback goes
 * on when the LB fails to drain (the previous version matters more), but a host that cannot be
 * readied again ends it `failed`: a person is needed, since HAProxy may keep it out.
 */
export function planLbRollback(lb: LbPlanContext, hosts: HostView[]): DeploymentAction[] {
  const actions = hosts.flatMap((h) => planLbRollbackHost(lb, h));
  // A host that waits for its lost agent (fenced) takes no place; once it is back, or once its
  // restore answered (then only HAProxy readies it), it is out of the pool like any other, and the
  // next waits. One merely away (every agent is, right after a server restart) keeps its place.
  const waitsForAgent = (h: HostView) => (h.step === 'restore_draining' || h.step === 'restoring') && isAgentLost(h.agent, lb.now, lb.limits);
  const inRestore = hosts.filter((h) => RESTORING.includes(h.step) && !waitsForAgent(h)).length;
  const [toFence, waiting] = partition(
    hosts.filter((h) => TO_RESTORE.includes(h.step)).sort((a, b) => Number(b.step === 'failed') - Number(a.step === 'failed') || a.batch - b.batch),
    (h) => isFenced(lb, h),
  );
  const turn = [...toFence, ...waiting.slice(0, Math.max(0, batchWidth(hosts) - inRestore))];
  for (const host of turn) {
    // A round in flight is answered (or given up) first: a late ready must not undo a newer drain.
    if (roundPending(lb.view, host.agentId, lb.now, lb.limits)) continue;
    const fenced = toFence.includes(host);
    actions.push(round(lb, host, 'set', fenced ? 'maint' : 'drain', enter('restore_draining', lb.now), fenced && mustFence(lb, host) ? FENCE_NOTE : undefined));
  }
  return actions;
}

const FENCE_NOTE = 'its agent is not connected: set to maint, so that whatever runs there gets no traffic until its agent is back and has restored the known-good release';

/**
 * Whether the host is, or is to be, fenced: it was fenced in this step and is not restored yet, or
 * its agent is gone. A host that restarts (activating, restoring) is out of the pool already, so it
 * is fenced as soon as its agent is away; one that serves, only once its agent is lost (past its
 * grace): right after a server restart every agent is away until it dials in again, and fencing
 * them all would empty the pool.
 */
function isFenced(lb: LbPlanContext, host: HostView): boolean {
  const liveness = agentLiveness(host.agent, lb.now, lb.limits);
  const gone = RESTARTING.includes(host.step) ? liveness !== 'available' : liveness === 'lost';
  return gone || latestRound(lb.view, host.agentId)[0]?.intended === 'maint';
}

const RESTARTING: HostStep[] = ['activating', 'restoring'];

/** Whether the host is to be fenced and is not yet. */
function mustFence(lb: LbPlanContext, host: HostView): boolean {
  return isFenced(lb, host) && latestRound(lb.view, host.agentId)[0]?.intended !== 'maint';
}

/** Sets the host's server to maint through every LB agent, once the round in flight is answered. */
function fence(lb: LbPlanContext, host: HostView): DeploymentAction[] {
  return roundPending(lb.view, host.agentId, lb.now, lb.limits) ? [] : [round(lb, host, 'set', 'maint', undefined, FENCE_NOTE)];
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

/**
 * Whether a rollback behind a load balancer still has a host to restore or put back in the pool:
 * one that ran the new version, one in its restore, or one that was only drained.
 */
export function lbRollbackUnfinished(hosts: HostView[]): boolean {
  return hosts.some((h) => TO_RESTORE.includes(h.step) || RESTORING.includes(h.step) || h.step === 'draining' || (h.step === 'stage_failed' && h.failedStep === 'lb'));
}

/** Steps of a host that ran the new version and waits for its turn to be restored. */
const TO_RESTORE: HostStep[] = ['healthy', 'failed', 'readying', 'ready'];
/** Steps of a host in its restore: it is, or may be, out of the pool. */
const RESTORING: HostStep[] = ['restore_draining', 'restoring', 'restored', 'restore_readying'];

/** The most hosts one batch of the deployment holds. */
function batchWidth(hosts: HostView[]): number {
  const counts = new Map<number, number>();
  for (const h of hosts) counts.set(h.batch, (counts.get(h.batch) ?? 0) + 1);
  return Math.max(1, ...counts.values());
}

/**
 * One host's way back into the pool after its restore (also a rollback rehearsal's host, once it
 * runs the new release again): kept out while it restarts, readied once restored (or once its
 * drain failed), and `restored_ready` when every LB sees it serving.
 */
export function planLbRollbackHost(lb: LbPlanContext, host: HostView): DeploymentAction[] {
  const settled = !roundPending(lb.view, host.agentId, lb.now, lb.limits);
  switch (host.step) {
    case 'draining':
    case 'restored':
      return settled ? [round(lb, host, 'set', 'ready', enter('restore_readying', lb.now))] : [];
    case 'stage_failed':
      // Only a host whose drain failed may be out of the pool; one that failed to stage never was.
      return settled && host.failedStep === 'lb' ? [round(lb, host, 'set', 'ready', enter('restore_readying', lb.now))] : [];
    case 'restoring':
      return planLbRestart(lb, host);
    case 'restore_draining':
      if (mustFence(lb, host)) return fence(lb, host);
      return follow(lb, host, isFenced(lb, host) ? 'maint' : 'drain', {
        done: (note, cancel) => [{ ...restore(host, note), cancel }],
        failed: (reason, cancel) => [{ ...restore(host, `${reason}: restoring without draining`), cancel }],
      });
    case 'restore_readying':
      return follow(lb, host, 'ready', {
        done: (note, cancel) => [{ type: 'update-host', agentId: host.agentId, patch: { step: 'restored_ready', commandSentAt: null }, cancel, ...(note ? { note } : {}) }],
        failed: (reason, cancel) => [{
          type: 'update-host', agentId: host.agentId, cancel,
          patch: { ...lbFailure(`on its previous version, but not back in the pool: ${reason}`), step: 'restore_failed' },
        }],
      });
    default:
      return [];
  }
}

interface Outcomes {
  done: (note: string | undefined, cancel: string[]) => DeploymentAction[];
  failed: (reason: string, cancel: string[]) => DeploymentAction[];
}

/** The next move in a host's drain, maint or ready step. */
function follow(lb: LbPlanContext, host: HostView, intended: LbState, outcomes: Outcomes): DeploymentAction[] {
  const decision: LbDecision = decideLbStep(lb.view, lbHost(host), intended, lb.now, lb.limits);
  switch (decision.kind) {
    case 'wait':
      return [];
    case 'send':
      return [round(lb, host, decision.purpose, decision.intended, undefined, decision.note, decision.cancel)];
    case 'done':
      return outcomes.done(decision.note, decision.cancel);
    case 'failed':
      return outcomes.failed(decision.reason, decision.cancel);
  }
}

/** The host as an LB step sees it: since when it is in its step (for the drain and ready timeouts). */
function lbHost(host: HostView): LbHost {
  return { agentId: host.agentId, hostName: host.hostName, since: host.commandSentAt ?? host.updatedAt };
}

/** The host enters an LB step now: `commandSentAt` keeps when (no host command is in flight). */
function enter(step: HostPatch['step'], now: number): HostPatch {
  return { step, commandId: null, commandSentAt: now };
}

function lbFailure(reason: string): HostPatch {
  return { error: reason, failedStep: 'lb', logTail: [], commandId: null, commandSentAt: null };
}

/**
 * A new round of `lb` commands about the host. It supersedes the host's earlier rounds: any of their
 * commands still unanswered (given up: a new round is sent only once the last one settled) is
 * cancelled with it, or an LB agent that comes back later would be sent that stale set and run it.
 */
function round(lb: LbPlanContext, host: HostView, purpose: LbPurpose, intended: LbState, patch?: HostPatch, note?: string, cancel: string[] = []): DeploymentAction {
  const stale = lb.view.commands.filter((c) => c.hostAgentId === host.agentId && c.result === null).map((c) => c.commandId);
  const cancelled = [...new Set([...cancel, ...stale])];
  return {
    type: 'lb', round: lb.nextRound(), hostAgentId: host.agentId, purpose, intended,
    ...(patch ? { patch } : {}), ...(note ? { note } : {}), ...(cancelled.length > 0 ? { cancel: cancelled } : {}),
  };
}
