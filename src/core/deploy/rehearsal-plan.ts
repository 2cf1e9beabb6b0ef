// A rollback rehearsal: after a deployment that migrated (and its verify), the previous release
// goes back on one host against the migrated database, is health-checked and verified there, and
// the new release is put back. Its finding is the version's rollback safety.
//
// rehearsing  the host activates the previous release (host step activating → healthy | failed)
// verifying   the environment's verify job runs against that host only
// returning   the host activates the new release again (restoring → restored | restore_failed)
//
// Behind a load balancer the host restarts out of the pool, as in any rollout: drained before the
// previous release goes on (draining → activating), verified there drained (its verify reaches it
// directly), and readied once the new release is back (restored → restore_readying →
// restored_ready). Its users never see the previous release on the migrated database.
import { isAgentLost } from '../agents/agent-liveness.ts';
import { notConnected } from './host-changes.ts';
import { planLbActivation, planLbRestart, planLbRollbackHost, type LbPlanContext } from './lb-host-plan.ts';
import type { RollbackCause } from '../model.ts';
import type { DeploymentAction, DeploymentLimits, DeploymentView, HostView } from './deployment-planner.ts';

/** The next actions of a rehearsal that has not ended; `lb` is the environment's load balancer, if any. */
export function planRehearsal(view: DeploymentView, now: number, limits: DeploymentLimits, lb: LbPlanContext | null = null): DeploymentAction[] {
  const { deployment } = view;
  const host = view.hosts[0];
  if (!host?.previousVersion) return [{ type: 'finish', status: 'failed', error: 'a rehearsal needs a host and the previous version to put back' }];
  switch (deployment.status) {
    case 'rehearsing':
      return rehearsePrevious(view, host, now, limits, lb);
    case 'verifying':
      return verifyPrevious(view, host);
    default:
      return returnToNew(view, host, lb);
  }
}

function rehearsePrevious(view: DeploymentView, host: HostView, now: number, limits: DeploymentLimits, lb: LbPlanContext | null): DeploymentAction[] {
  const previous = host.previousVersion!;
  switch (host.step) {
    case 'pending':
      if (isAgentLost(host.agent, now, limits)) {
        return [{ type: 'finish', status: 'failed', error: `the rehearsal could not begin: ${host.hostName}: ${notConnected.reason}` }];
      }
      // Behind a load balancer: out of the pool first (the host has the release already, as if staged).
      if (lb) return planLbActivation(lb, { ...host, step: 'staged' }, previous);
      return [{ type: 'send', agentId: host.agentId, command: { kind: 'activate', version: previous }, step: 'activating' }];
    case 'draining':
      return lb ? planLbActivation(lb, host, previous) : [];
    case 'activating':
      return lb ? planLbRestart(lb, host) : [];
    case 'stage_failed':
      // Its drain failed: nothing was activated. It goes back in the pool, and the rehearsal did not run.
      if (lb && host.failedStep === 'lb') return planLbRollbackHost(lb, host);
      return [{ type: 'finish', status: 'failed', error: `the rehearsal did not run: ${host.hostName}: ${host.error ?? 'failed'}` }];
    case 'restore_readying':
      return lb ? planLbRollbackHost(lb, host) : [];
    case 'restored_ready':
    case 'restore_failed': {
      const back = host.step === 'restored_ready' ? '' : '; it may be out of the pool still: a person must look at it';
      return [{ type: 'finish', status: 'failed', error: `the rehearsal did not run: ${host.hostName} could not be taken out of the pool: ${host.error ?? 'failed'}${back}` }];
    }
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

function returnToNew(view: DeploymentView, host: HostView, lb: LbPlanContext | null): DeploymentAction[] {
  const { deployment } = view;
  switch (host.step) {
    case 'healthy':
    case 'failed':
      return [{ type: 'send', agentId: host.agentId, command: { kind: 'activate', version: deployment.version }, step: 'restoring' }];
    case 'restoring':
    case 'restore_readying':
      return lb ? planLbRollbackHost(lb, host) : [];
    case 'restored':
      return lb ? planLbRollbackHost(lb, host) : finishRehearsal(view, host);
    case 'restored_ready':
    case 'restore_failed':
      return finishRehearsal(view, host);
    default:
      return [];
  }
}

/** The rehearsal's end, once its host runs the new release again (or could not be put back). */
function finishRehearsal(view: DeploymentView, host: HostView): DeploymentAction[] {
  const { deployment } = view;
  const cause = deployment.cause;
  switch (host.step) {
    case 'restored':
    case 'restored_ready':
    case 'restore_failed': {
      const back = host.step !== 'restore_failed' ? '' : ` ${deployment.version} could not be put back on ${host.hostName}: ${host.error ?? 'failed'}; a person must look at it.`;
      // The host was lost, not the previous release found failing: no finding, rather than one that blocks the version.
      if (cause?.step === 'agent_lost') {
        return [{
          type: 'finish', status: 'failed',
          error: `the rehearsal could not finish: ${host.hostName} was lost while ${host.previousVersion!} started there (${cause.error}); nothing was found about ${deployment.version}.${back}`,
        }];
      }
      const safety = { safe: cause === null, host: host.hostName, previousVersion: host.previousVersion!, reason: cause ? `${cause.step}: ${cause.error}` : null, logTail: cause?.logTail ?? [] };
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
