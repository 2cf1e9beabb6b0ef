// A command a host was sent, settled at a look: its answer applied to the host (the step after it),
// or the server gives up on it (timed out, agent lost) and the host fails at its step.
import { failureOfResult, resolveInFlight } from '../agents/command-in-flight.ts';
import type { HostStep } from '../model.ts';
import type { CommandResult } from '../protocol/messages.ts';
import type { DeploymentAction, DeploymentLimits, HostPatch, HostView } from './deployment-planner.ts';
import { failedAt } from './host-changes.ts';

const inFlightTimeout: Partial<Record<HostStep, (l: DeploymentLimits) => number>> = {
  staging: (l) => l.prepareTimeoutMs,
  activating: (l) => l.activateTimeoutMs,
  restoring: (l) => l.restoreTimeoutMs,
};

/**
 * settleInFlight on every host: the same array when no command settled. A look at a deployment of
 * thousands of hosts at batch 1 settles one or two, and a copy of every host at every look was a
 * cost that grew with the fleet at every batch.
 */
export function settleAll(hosts: HostView[], now: number, limits: DeploymentLimits, actions: DeploymentAction[]): HostView[] {
  let settled: HostView[] | undefined;
  for (let i = 0; i < hosts.length; i++) {
    const host = hosts[i]!;
    if (host.commandId === null) continue;
    const after = settleInFlight(host, now, limits, actions);
    if (after === host) continue;
    settled ??= hosts.slice();
    settled[i] = after;
  }
  return settled ?? hosts;
}

/** Applies an answered or given-up command to the host; returns the host as it now is. */
export function settleInFlight(host: HostView, now: number, limits: DeploymentLimits, actions: DeploymentAction[]): HostView {
  const timeout = inFlightTimeout[host.step];
  if (!timeout || !host.commandId || host.commandSentAt === null) return host;
  const outcome = resolveInFlight({
    sentAt: host.commandSentAt, result: host.result, agent: host.agent, timeoutMs: timeout(limits),
    waitsForLostAgent: host.step === 'restoring', who: 'the host',
  }, now, limits);
  if (outcome.kind === 'waiting') return host;
  const patch: HostPatch = {
    ...(outcome.kind === 'answered' ? stepAfterResult(host.step, outcome.result) : failedAt(host.step, outcome.failure, [])),
    commandId: null,
    commandSentAt: null,
  };
  actions.push({ type: 'update-host', agentId: host.agentId, patch, ...(outcome.kind === 'given_up' ? { cancelCommandId: host.commandId } : {}) });
  return { ...host, ...patch };
}

function stepAfterResult(step: HostStep, result: CommandResult): HostPatch {
  const logTail = result.logTail ?? [];
  if (!result.ok) return failedAt(step, failureOfResult(result, step === 'staging' ? 'stage' : 'activate'), logTail);
  const done: HostPatch = { error: null, failedStep: null, logTail };
  if (step === 'staging') return { ...done, step: 'staged', previousVersion: result.previous ?? null };
  return { ...done, step: step === 'activating' ? 'healthy' : 'restored' };
}
