// The changes of a host's record that both the deployment planner and its load-balancer steps
// make: a failure at a step, and the restore of what the host ran before.
import type { Failure } from '../agents/command-in-flight.ts';
import type { HostStep } from '../model.ts';
import type { DeploymentAction, HostPatch, HostView } from './deployment-planner.ts';

/** The host failed while at `step`: the failed step that goes with it, and why. */
export function failedAt(step: HostStep, failure: Failure, logTail: string[]): HostPatch {
  const failed: HostStep = step === 'staging' ? 'stage_failed' : step === 'activating' ? 'failed' : 'restore_failed';
  return { step: failed, error: failure.reason, failedStep: failure.step, logTail };
}

export const notConnected: Failure = { step: 'agent_lost', reason: 'agent lost: the host is not connected' };

/** Puts the version the host ran before back (or stops the app where there was none). */
export function restore(host: HostView, note?: string): DeploymentAction {
  return {
    type: 'send',
    agentId: host.agentId,
    command: host.previousVersion ? { kind: 'activate', version: host.previousVersion } : { kind: 'deactivate' },
    step: 'restoring',
    ...(note ? { note } : {}),
  };
}
