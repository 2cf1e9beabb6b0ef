// The deployment planner: from what is recorded about a deployment and its hosts, the next actions.
// Pure and idempotent: the engine applies each action in one transaction, records it, and asks again.
//
// staging       (behind a load balancer: the pre-flight read of the backend first) every host
//               downloads and unpacks the release (no traffic change)
// migrating     slipway.yml's `migrate:` runs once, on the first host (migration-plan.ts); a
//               failure ends the deployment failed_migration before any host changed
// activating    batch by batch: switch `current`, restart, health check; behind a load balancer
//               drained before and readied after (lb-host-plan.ts)
// rolling_back  any host failed: every host already touched goes back to what it ran before;
//               after a migration, only when the version is not known to be unsafe to roll back
// A rehearsal (kind `rehearsal`) has a plan of its own: rehearsal-plan.ts.
import { isAgentLost, type AgentPresence } from '../agents/agent-liveness.ts';
import {
  isDeploymentEnded, type Deployment, type DeploymentHost, type DeploymentMigration, type DeploymentStatus, type HostStep, type Job, type LbPurpose,
  type RollbackCause, type RollbackSafety,
} from '../model.ts';
import type { CommandResult, LbState } from '../protocol/messages.ts';
import { failedAt, notConnected, restore } from './host-changes.ts';
import { isFailedStep, type HostIndex } from './host-index.ts';
import { settleAll, settleInFlight } from './settle-in-flight.ts';
import { lbRollbackUnfinished, planLbActivation, planLbRestart, planLbRollback, planPreflight, type LbPlanContext } from './lb-host-plan.ts';
import type { LbLimits, LbView } from './lb-view.ts';
import { planMigration } from './migration-plan.ts';
import { planRehearsal } from './rehearsal-plan.ts';

export interface DeploymentLimits extends LbLimits {
  prepareTimeoutMs: number;
  activateTimeoutMs: number;
  /** A restore waits this long, also for a lost agent to come back and take it. */
  restoreTimeoutMs: number;
  /** How long the migration's answer is waited for (its own timeout and a margin), also from a lost agent. */
  migrateTimeoutMs: number;
}

export interface HostView extends DeploymentHost {
  agent: AgentPresence | undefined;
  /** The result of the command in flight (`commandId`), once the agent sent it. */
  result: CommandResult | null;
}

export interface DeploymentView {
  deployment: Deployment;
  hosts: HostView[];
  /** The environment's load balancer, when it has one (slipway.yml `loadBalancer:`). */
  lb?: LbView | null;
  /** The answer to the migration's command, once the agent sent it. */
  migrationResult?: CommandResult | null;
  /** What a rollback rehearsal found about the deployment's version; null when none ran. */
  rollbackSafety?: RollbackSafety | null;
  /** A rehearsal: the verify job it queued against its host, once queued. */
  verifyJob?: Job | null;
  /** A rehearsal: whether the environment has verify steps to run against its host. */
  hasVerify?: boolean;
  /**
   * Where a look at the activation may skip hosts (host-index.ts); `hosts` are then in batch order.
   * Without it, every host is looked at. Either way the plan is the same.
   */
  hostIndex?: HostIndex;
}

export type HostCommand =
  | { kind: 'prepare' }
  | { kind: 'activate'; version: string }
  | { kind: 'deactivate' };

export type HostPatch = Partial<Pick<DeploymentHost, 'step' | 'error' | 'failedStep' | 'logTail' | 'previousVersion' | 'commandId' | 'commandSentAt'>>;

export type DeploymentAction =
  /**
   * Records a host's new step. With `cancelCommandId`, the server gave up on that command: it is
   * cancelled in the same transaction, so a returning agent does not run it (and an answer that
   * arrived meanwhile wins: then nothing is recorded and the planner looks again). `cancel` are
   * `lb` commands given up on the same way; `note` goes to the events and the central log.
   */
  | { type: 'update-host'; agentId: string; patch: HostPatch; cancelCommandId?: string; cancel?: string[]; note?: string }
  /** Writes the command down for the agent and points the host at it, in one transaction. */
  | { type: 'send'; agentId: string; command: HostCommand; step: HostStep; cancel?: string[]; note?: string }
  /**
   * Writes one `lb` command per LB agent (a round) about `hostAgentId`'s server (null: the
   * pre-flight read of the backend), records them, and applies `patch` to the host, in one
   * transaction. `purpose` set changes the server to `intended`; read and check only read.
   */
  | { type: 'lb'; round: number; hostAgentId: string | null; purpose: LbPurpose; intended: LbState | null; patch?: HostPatch; cancel?: string[]; note?: string }
  | { type: 'set-status'; status: DeploymentStatus; cause?: RollbackCause }
  /**
   * Records the migration's new state (with `status`, the deployment's next; with
   * `cancelCommandId`, the server gave up on its command, cancelled in the same transaction).
   */
  | { type: 'migration'; migration: DeploymentMigration; status?: DeploymentStatus; note: string }
  /** Writes the migration's command down for the host and records the migration `running`, in one transaction: it is never sent twice. */
  | { type: 'migrate'; agentId: string; host: string }
  /** A rehearsal: queues the environment's verify job against its one host, and goes `verifying`. */
  | { type: 'verify-rehearsal'; agentId: string }
  /**
   * Ends the deployment. A success makes its version the environment's known-good; a deployment
   * (not a rollback) that did not succeed quarantines its version, for `quarantine`'s reason.
   * `migration` and `cause` are recorded with the end; `rollbackSafety` (a rehearsal's finding)
   * goes on the version.
   */
  | {
    type: 'finish'; status: 'succeeded' | 'rolled_back' | 'failed' | 'failed_migration'; error?: string; knownGood?: string; quarantine?: string;
    cause?: RollbackCause; migration?: DeploymentMigration; rollbackSafety?: Omit<RollbackSafety, 'at' | 'deploymentId'>;
    /** A command given up on, cancelled in the same transaction so that a returning agent does not run it. */
    cancelCommandId?: string;
  };

/** The next actions for a deployment that has not ended; [] when it waits for agents. */
export function planDeployment(view: DeploymentView, now: number, limits: DeploymentLimits): DeploymentAction[] {
  const { deployment } = view;
  if (isDeploymentEnded(deployment.status)) return [];
  const indexed = view.hostIndex && deployment.status === 'activating' && deployment.kind !== 'rehearsal' && !view.lb
    ? planIndexedActivation(view, view.hostIndex, now, limits)
    : undefined;
  if (indexed) return indexed;
  const actions: DeploymentAction[] = [];
  const hosts = settleAll(view.hosts, now, limits, actions);
  const lb = view.lb ? lbContext(view.lb, now, limits) : null;
  if (deployment.kind === 'rehearsal') return [...actions, ...planRehearsal({ ...view, hosts }, now, limits, lb)];

  const failure = firstFailure(hosts);
  if (failure && deployment.status !== 'rolling_back') {
    const unsafe = unsafeToRollBack(view);
    if (unsafe) return [...actions, ...stopForAPerson(hosts, deployment, failure, unsafe)];
    actions.push({ type: 'set-status', status: 'rolling_back', cause: failure });
    actions.push(...planRollback(hosts, deployment, failure, lb));
    return actions;
  }
  switch (deployment.status) {
    case 'staging':
      actions.push(...(lb ? planPreflight(lb, hosts, deployment) : null) ?? planStaging(hosts, deployment, now, limits));
      break;
    case 'migrating':
      actions.push(...planMigration({ ...view, hosts }, now, limits));
      break;
    case 'activating':
      actions.push(...planActivation(hosts, deployment, now, limits, lb));
      break;
    default:
      actions.push(...planRollback(hosts, deployment, deployment.cause, lb));
  }
  return actions;
}

function lbContext(view: LbView, now: number, limits: DeploymentLimits): LbPlanContext {
  let round = Math.max(0, ...view.commands.map((c) => c.round));
  return { view, now, limits, nextRound: () => ++round };
}

/**
 * The rehearsal's finding when it found the version not safe to roll back and this deployment
 * migrated: the previous release then must not be put back on a database it cannot read.
 */
function unsafeToRollBack(view: DeploymentView): RollbackSafety | null {
  const migrated = view.deployment.migration?.state === 'succeeded';
  return migrated && view.rollbackSafety?.safe === false ? view.rollbackSafety : null;
}

/**
 * A host failed after a migration that the previous release cannot live with: no host is rolled
 * back. Activations under way end first (so the hosts' steps say what each runs), then the
 * deployment ends failed, saying where each host stands, for a person to decide.
 */
function stopForAPerson(hosts: HostView[], deployment: Deployment, failure: RollbackCause, unsafe: RollbackSafety): DeploymentAction[] {
  if (hosts.some((h) => h.step === 'activating' || h.step === 'staging')) return [];
  const onNew = hosts.filter((h) => ['healthy', 'ready', 'readying', 'failed'].includes(h.step)).map((h) => h.hostName);
  const why = `${unsafe.previousVersion} failed on ${unsafe.host} in the rollback rehearsal${unsafe.reason ? `: ${unsafe.reason}` : ''}`;
  const error = `${failure.host} failed at ${failure.step}: ${failure.error}. ${deployment.version} migrated the database and is not rollback-safe (${why}), `
    + `so no host was rolled back: a person must decide. Hosts on ${deployment.version}: ${onNew.join(', ') || 'none'}; the others still run their previous version.`;
  return [{
    type: 'finish', status: 'failed', error, cause: failure,
    quarantine: `${deployment.env}: ${failure.host} failed at ${failure.step}: ${failure.error}`,
  }];
}

function firstFailure(hosts: HostView[]): RollbackCause | undefined {
  const host = hosts.find(isFailedStep);
  if (!host) return undefined;
  // Hosts recorded before failures had a step of their own carry none: their step tells enough.
  const step = host.failedStep ?? (host.step === 'stage_failed' ? 'stage' : 'activate');
  return { host: host.hostName, step, error: host.error ?? 'failed', logTail: host.logTail };
}

function planStaging(hosts: HostView[], deployment: Deployment, now: number, limits: DeploymentLimits): DeploymentAction[] {
  const actions: DeploymentAction[] = [];
  for (const host of hosts.filter((h) => h.step === 'pending')) {
    actions.push(isAgentLost(host.agent, now, limits)
      ? { type: 'update-host', agentId: host.agentId, patch: failedAt('staging', notConnected, []) }
      : { type: 'send', agentId: host.agentId, command: { kind: 'prepare' }, step: 'staging' });
  }
  if (actions.length === 0 && hosts.every((h) => h.step === 'staged')) {
    // Every host has the release: the migration (when there is one) runs before any of them switches.
    actions.push({ type: 'set-status', status: deployment.migration?.state === 'pending' ? 'migrating' : 'activating' });
  }
  return actions;
}

function planActivation(hosts: HostView[], deployment: Deployment, now: number, limits: DeploymentLimits, lb: LbPlanContext | null): DeploymentAction[] {
  const { version } = deployment;
  const done = lb ? 'ready' : 'healthy';
  // The lowest batch with a host not done, in one pass that copies nothing.
  let batch = Infinity;
  for (const h of hosts) if (h.step !== done && h.batch < batch) batch = h.batch;
  if (batch === Infinity) return [{ type: 'finish', status: 'succeeded', knownGood: version }];
  const waiting = hosts.filter((h) => h.batch === batch && h.step !== done);
  if (lb) return waiting.flatMap((h) => planLbActivation(lb, h, version));
  return activateStaged(waiting, version, now, limits);
}

/** The batch's hosts that have the release: each is told to switch to it, or fails when its agent is lost. */
function activateStaged(batch: HostView[], version: string, now: number, limits: DeploymentLimits): DeploymentAction[] {
  return batch
    .filter((h) => h.step === 'staged')
    .map((h): DeploymentAction => isAgentLost(h.agent, now, limits)
      // Not activated, so nothing to restore there; the next pass rolls the others back.
      ? { type: 'update-host', agentId: h.agentId, patch: failedAt('staging', notConnected, []) }
      : { type: 'send', agentId: h.agentId, command: { kind: 'activate', version }, step: 'activating' });
}

/**
 * The plan of an activation without a load balancer, from the hosts the index says may matter:
 * the same as the full plan's, or undefined when a host failed (the full plan then rolls back).
 */
function planIndexedActivation(view: DeploymentView, index: HostIndex, now: number, limits: DeploymentLimits): DeploymentAction[] | undefined {
  if (index.anyFailed) return undefined;
  const actions: DeploymentAction[] = [];
  const settled = new Map<string, HostView>();
  for (const host of index.withCommand) {
    const after = settleInFlight(host, now, limits, actions);
    if (after === host) continue;
    if (isFailedStep(after)) return undefined;
    settled.set(host.agentId, after);
  }
  // The lowest batch not healthy: the hosts of a batch are together (batch order), the ones before
  // the index's prefix all healthy.
  const { hosts } = view;
  const waiting: HostView[] = [];
  for (let i = index.healthyPrefix; i < hosts.length; i++) {
    const host = settled.get(hosts[i]!.agentId) ?? hosts[i]!;
    if (waiting.length > 0 && host.batch !== waiting[0]!.batch) break;
    if (host.step !== 'healthy') waiting.push(host);
  }
  if (waiting.length === 0) return [...actions, { type: 'finish', status: 'succeeded', knownGood: view.deployment.version }];
  return [...actions, ...activateStaged(waiting, view.deployment.version, now, limits)];
}

function planRollback(hosts: HostView[], deployment: Deployment, cause: RollbackCause | null, lb: LbPlanContext | null): DeploymentAction[] {
  // Activations still in flight finish (or time out) first: a host is restored once, from a known
  // step. Behind a load balancer, they stay out of the pool meanwhile.
  if (hosts.some((h) => h.step === 'activating' || h.step === 'staging')) {
    return lb ? hosts.filter((h) => h.step === 'activating').flatMap((h) => planLbRestart(lb, h)) : [];
  }
  const actions: DeploymentAction[] = lb
    ? planLbRollback(lb, hosts)
    : hosts.filter((h) => h.step === 'healthy' || h.step === 'failed').map((h) => restore(h));
  // Behind a load balancer a host may wait with nothing to send (a round of its still unanswered).
  const unfinished = lb ? lbRollbackUnfinished(hosts) : hosts.some((h) => h.step === 'restoring');
  if (actions.length > 0 || unfinished) return actions;
  const unrestored = hosts.filter((h) => h.step === 'restore_failed');
  const status = unrestored.length === 0 ? 'rolled_back' : 'failed';
  // A rollback by hand quarantines nothing here: the version it leaves was quarantined when it began.
  const quarantine = deployment.kind === 'deploy'
    ? { quarantine: `${deployment.env}: ${cause ? `${cause.host} failed at ${cause.step}: ${cause.error}` : `deployment ${status}`}` }
    : {};
  if (unrestored.length === 0) return [{ type: 'finish', status, ...quarantine }];
  const names = unrestored.map((h) => `${h.hostName} (${h.error ?? 'failed'})`).join(', ');
  return [{ type: 'finish', status, error: `could not restore the previous version on ${names}`, ...quarantine }];
}

/** The step a host fails at when what it was to be sent cannot even be written (its version is gone). */
export function failedBeforeSending(step: HostStep, reason: string): HostPatch {
  return failedAt(step, { step: step === 'staging' ? 'stage' : 'activate', reason }, []);
}
