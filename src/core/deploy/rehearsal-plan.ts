// A rollback rehearsal: after a deployment that migrated (and its verify), the previous release
// goes back on one host against the migrated database, is health-checked and verified there, and
// the new release is put back. Its finding is the version's rollback safety.
//
// rehearsing  the host activates the previous release (host step activating → healthy | failed)
// verifying   the environment's verify job runs against that host only
// returning   the host activates the new release again (restoring → restored | restore_failed)
import { isAgentLost } from '../agents/agent-liveness.ts';
import { notConnected } from './host-changes.ts';
import type { RollbackCause } from '../model.ts';
import type { DeploymentAction, DeploymentLimits, DeploymentView, HostView } from './deployment-planner.ts';

/** The next actions of a rehearsal that has not ended. */
export function planRehearsal(view: DeploymentView, now: number, limits: DeploymentLimits): DeploymentAction[] {
  const { deployment } = view;
  const host = view.hosts[0];
  if (!host?.previousVersion) return [{ type: 'finish', status: 'failed', error: 'a rehearsal needs a host and the previous version to put back' }];
  switch (deployment.status) {
    case 'rehearsing':
      return rehearsePrevious(view, host, now, limits);
    case 'verifying':
      return verifyPrevious(view, host);
    default:
      return returnToNew(view, host);
  }
}

function rehearsePrevious(view: DeploymentView, host: HostView, now: number, limits: DeploymentLimits): DeploymentAction[] {
  switch (host.step) {
    case 'pending':
      if (isAgentLost(host.agent, now, limits)) {
        return [{ type: 'finish', status: 'failed', error: `the rehearsal could not begin: ${host.hostName}: ${notConnected.reason}` }];
      }
      return [{ type: 'send', agentId: host.agentId, command: { kind: 'activate', version: host.previousVersion! }, step: 'activating' }];
    case 'healthy':
      return view.hasVerify ? [{ type: 'verify-rehearsal', agentId: host.agentId }] : [{ type: 'set-status', status: 'returning' }];
    case 'failed':
      return [{ type: 'set-status', status: 'returning', cause: causeOf(host) }];
    default:
      return [];
  }
}

function verifyPrevious(view: DeploymentView, host: HostView): DeploymentAction[] {
  const job = view.verifyJob;
  if (!job || job.status === 'queued' || job.status === 'running') return [];
  if (job.status === 'succeeded') return [{ type: 'set-status', status: 'returning' }];
  return [{ type: 'set-status', status: 'returning', cause: { host: host.hostName, step: 'verify', error: `verify failed: ${job.error ?? 'a command failed'}`, logTail: [] } }];
}

function returnToNew(view: DeploymentView, host: HostView): DeploymentAction[] {
  const { deployment } = view;
  const cause = deployment.cause;
  switch (host.step) {
    case 'healthy':
    case 'failed':
      return [{ type: 'send', agentId: host.agentId, command: { kind: 'activate', version: deployment.version }, step: 'restoring' }];
    case 'restored':
    case 'restore_failed': {
      const safety = { safe: cause === null, host: host.hostName, previousVersion: host.previousVersion!, reason: cause ? `${cause.step}: ${cause.error}` : null, logTail: cause?.logTail ?? [] };
      const back = host.step === 'restored' ? '' : ` ${deployment.version} could not be put back on ${host.hostName}: ${host.error ?? 'failed'}; a person must look at it.`;
      if (cause === null && back === '') return [{ type: 'finish', status: 'succeeded', rollbackSafety: safety }];
      const finding = cause ? `${deployment.version} is not rollback-safe: ${host.previousVersion!} failed on ${host.hostName} at ${cause.step}: ${cause.error}.` : '';
      return [{ type: 'finish', status: 'failed', error: `${finding}${back}`.trim(), rollbackSafety: safety }];
    }
    default:
      return [];
  }
}

function causeOf(host: HostView): RollbackCause {
  return { host: host.hostName, step: host.failedStep ?? 'activate', error: host.error ?? 'failed', logTail: host.logTail };
}
