// The deployment planner: from what is recorded about a deployment and its hosts, the next actions.
// Pure and idempotent: the engine applies the actions, records them, and asks again.
//
// staging       every host downloads and unpacks the release (no traffic change)
// activating    batch by batch: switch `current`, restart, health check
// rolling_back  any host failed: every host already touched goes back to what it ran before
import type { Deployment, DeploymentHost, DeploymentStatus, HostStep, RollbackCause } from '../model.ts';
import type { CommandResult } from '../protocol/messages.ts';
import { isAgentLost, type AgentLivenessLimits } from './agent-liveness.ts';

export interface DeploymentLimits extends AgentLivenessLimits {
  prepareTimeoutMs: number;
  activateTimeoutMs: number;
  /** A restore waits this long, also for a lost agent to come back and take it. */
  restoreTimeoutMs: number;
}

export interface HostView extends DeploymentHost {
  agent: { online: boolean; lastSeenAt: number };
  /** The result of the command in flight (`commandId`), once the agent sent it. */
  result: CommandResult | null;
}

export interface DeploymentView {
  deployment: Deployment;
  hosts: HostView[];
}

export type HostCommand =
  | { kind: 'prepare' }
  | { kind: 'activate'; version: string }
  | { kind: 'deactivate' };

export type DeploymentAction =
  | { type: 'update-host'; agentId: string; patch: Partial<Pick<DeploymentHost, 'step' | 'error' | 'logTail' | 'previousVersion' | 'commandId' | 'commandSentAt'>> }
  /** Give up on a command still waiting for the agent, so a returning agent does not run it. */
  | { type: 'cancel-command'; commandId: string }
  | { type: 'send'; agentId: string; command: HostCommand; step: HostStep }
  | { type: 'set-status'; status: DeploymentStatus; cause?: RollbackCause; error?: string }
  | { type: 'finish'; status: 'succeeded' | 'rolled_back' | 'failed'; error?: string };

const inFlight: HostStep[] = ['staging', 'activating', 'restoring'];

/** The next actions for a deployment that has not ended; [] when it waits for agents. */
export function planDeployment(view: DeploymentView, now: number, limits: DeploymentLimits): DeploymentAction[] {
  const { deployment } = view;
  if (!['staging', 'activating', 'rolling_back'].includes(deployment.status)) return [];
  const actions: DeploymentAction[] = [];
  const hosts = view.hosts.map((host) => resolveInFlight(host, now, limits, actions));

  const failure = firstFailure(hosts);
  if (failure && deployment.status !== 'rolling_back') {
    actions.push({ type: 'set-status', status: 'rolling_back', cause: failure });
    actions.push(...planRollback(hosts));
    return actions;
  }
  switch (deployment.status) {
    case 'staging':
      actions.push(...planStaging(hosts, now, limits));
      break;
    case 'activating':
      actions.push(...planActivation(hosts, deployment.version, now, limits));
      break;
    default:
      actions.push(...planRollback(hosts));
  }
  return actions;
}

/** Applies a finished, timed-out or orphaned command to the host; returns the host as it now is. */
function resolveInFlight(host: HostView, now: number, limits: DeploymentLimits, actions: DeploymentAction[]): HostView {
  if (!inFlight.includes(host.step) || !host.commandId) return host;
  const update = (patch: Extract<DeploymentAction, { type: 'update-host' }>['patch']): HostView => {
    actions.push({ type: 'update-host', agentId: host.agentId, patch: { ...patch, commandId: null, commandSentAt: null } });
    return { ...host, ...patch, commandId: null, commandSentAt: null };
  };
  const giveUp = (error: string) => {
    actions.push({ type: 'cancel-command', commandId: host.commandId! });
    return update({ step: failedStep(host.step), error });
  };

  if (host.result) return update(stepAfterResult(host.step, host.result));
  const waited = now - (host.commandSentAt ?? now);
  // A restore waits for a lost agent to come back: the command is kept for it until its timeout.
  if (host.step !== 'restoring' && isAgentLost(host.agent, now, limits)) return giveUp('agent lost: the host stopped answering');
  const timeout = { staging: limits.prepareTimeoutMs, activating: limits.activateTimeoutMs, restoring: limits.restoreTimeoutMs }[host.step as 'staging'];
  if (waited > timeout) return giveUp(`timed out after ${Math.round(timeout / 1000)}s waiting for the agent`);
  return host;
}

function stepAfterResult(step: HostStep, result: CommandResult): Pick<DeploymentHost, 'step' | 'error' | 'logTail'> & { previousVersion?: string | null } {
  const logTail = result.logTail ?? [];
  const error = result.ok ? null : (result.error ?? 'failed without a message');
  if (step === 'staging') {
    return result.ok ? { step: 'staged', error, logTail, previousVersion: result.previous ?? null } : { step: 'stage_failed', error, logTail };
  }
  if (step === 'activating') return { step: result.ok ? 'healthy' : 'failed', error, logTail };
  return { step: result.ok ? 'restored' : 'restore_failed', error, logTail };
}

function failedStep(step: HostStep): HostStep {
  return step === 'staging' ? 'stage_failed' : step === 'activating' ? 'failed' : 'restore_failed';
}

function firstFailure(hosts: HostView[]): RollbackCause | undefined {
  const host = hosts.find((h) => h.step === 'stage_failed' || h.step === 'failed');
  if (!host) return undefined;
  const error = host.error ?? 'failed';
  return { host: host.hostName, step: causeStep(host, error), error, logTail: host.logTail };
}

const plannerTimeout = /^timed out after \d+s waiting for the agent$/;

/** Where a host failed. The agent's answer says it best: its own error may well read "timed out…". */
function causeStep(host: HostView, error: string): RollbackCause['step'] {
  if (!host.result) {
    // No answer: the planner gave up on the agent, with one of its own messages.
    if (error.startsWith('agent lost')) return 'agent_lost';
    if (plannerTimeout.test(error)) return 'timeout';
  }
  if (host.step === 'stage_failed') return 'stage';
  const answered = host.result?.step;
  if (answered === 'health' || answered === 'activate') return answered;
  return /health/i.test(error) ? 'health' : 'activate';
}

function planStaging(hosts: HostView[], now: number, limits: DeploymentLimits): DeploymentAction[] {
  const actions: DeploymentAction[] = [];
  for (const host of hosts.filter((h) => h.step === 'pending')) {
    if (isAgentLost(host.agent, now, limits)) {
      actions.push({ type: 'update-host', agentId: host.agentId, patch: { step: 'stage_failed', error: 'agent lost: the host is not connected' } });
    } else {
      actions.push({ type: 'send', agentId: host.agentId, command: { kind: 'prepare' }, step: 'staging' });
    }
  }
  if (actions.length === 0 && hosts.every((h) => h.step === 'staged')) actions.push({ type: 'set-status', status: 'activating' });
  return actions;
}

function planActivation(hosts: HostView[], version: string, now: number, limits: DeploymentLimits): DeploymentAction[] {
  const waiting = hosts.filter((h) => h.step !== 'healthy');
  if (waiting.length === 0) return [{ type: 'finish', status: 'succeeded' }];
  const batch = Math.min(...waiting.map((h) => h.batch));
  return waiting
    .filter((h) => h.batch === batch && h.step === 'staged')
    .map((h): DeploymentAction => isAgentLost(h.agent, now, limits)
      // Not activated, so nothing to restore there; the next pass rolls the others back.
      ? { type: 'update-host', agentId: h.agentId, patch: { step: 'stage_failed', error: 'agent lost: the host is not connected' } }
      : { type: 'send', agentId: h.agentId, command: { kind: 'activate', version }, step: 'activating' });
}

function planRollback(hosts: HostView[]): DeploymentAction[] {
  // Activations still in flight finish (or time out) first: a host is restored once, from a known step.
  if (hosts.some((h) => h.step === 'activating' || h.step === 'staging')) return [];
  const actions: DeploymentAction[] = hosts
    .filter((h) => h.step === 'healthy' || h.step === 'failed')
    .map((h) => ({
      type: 'send',
      agentId: h.agentId,
      command: h.previousVersion ? { kind: 'activate', version: h.previousVersion } : { kind: 'deactivate' },
      step: 'restoring',
    }));
  if (actions.length > 0 || hosts.some((h) => h.step === 'restoring')) return actions;
  const unrestored = hosts.filter((h) => h.step === 'restore_failed');
  if (unrestored.length === 0) return [{ type: 'finish', status: 'rolled_back' }];
  const names = unrestored.map((h) => `${h.hostName} (${h.error ?? 'failed'})`).join(', ');
  return [{ type: 'finish', status: 'failed', error: `could not restore the previous version on ${names}` }];
}
