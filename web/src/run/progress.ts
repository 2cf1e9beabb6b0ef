// How far a host, a deployment and a stage have come, as fractions for the progress bars:
// pure functions of the run's records.
import type { Deployment, DeploymentHost, HostStep, Stage } from '../../../src/core/model.ts';
import type { Tone } from '../components/status.ts';
import { toneOf } from '../components/status.ts';

export type DeploymentWithHosts = Deployment & { hosts: DeploymentHost[] };

export interface Progress {
  /** 0–1, or null when it cannot be told (a build running): shown as an animated bar. */
  value: number | null;
  tone: Tone;
}

const stepValue: Record<HostStep, number> = {
  pending: 0, staging: 0.15, staged: 0.35, activating: 0.6, healthy: 1,
  failed: 1, stage_failed: 1, restoring: 0.5, restored: 1, restore_failed: 1,
};

/** A host's bar: staged about a third, activating past half, healthy full. */
export function hostProgress(step: HostStep): Progress {
  return { value: stepValue[step], tone: toneOf(step) };
}

/** Steps after which a host has nothing more to do in its deployment. */
export function hostFinished(step: HostStep): boolean {
  return step === 'healthy' || step === 'failed' || step === 'stage_failed' || step === 'restored' || step === 'restore_failed';
}

/** A deployment's bar: the mean of its hosts' bars; its tone from its status. */
export function deploymentProgress(deployment: DeploymentWithHosts): Progress {
  const tone = toneOf(deployment.status === 'staging' || deployment.status === 'activating' ? 'deploying' : deployment.status);
  if (deployment.finishedAt !== null) return { value: 1, tone };
  if (deployment.hosts.length === 0) return { value: 0, tone };
  const sum = deployment.hosts.reduce((total, host) => total + stepValue[host.step], 0);
  return { value: sum / deployment.hosts.length, tone };
}

/** A stage's bar: from its deployment while deploying, full once verifying or done. */
export function stageProgress(stage: Stage, deployment: DeploymentWithHosts | undefined): Progress {
  const tone = toneOf(stage.status);
  switch (stage.status) {
    case 'pending':
    case 'skipped':
      return { value: 0, tone };
    case 'awaiting_approval':
      return { value: 0, tone };
    case 'running':
      return { value: null, tone };
    case 'deploying':
      return { value: deployment ? Math.min(deploymentProgress(deployment).value ?? 0, 0.95) : null, tone };
    case 'verifying':
      return { value: null, tone };
    case 'succeeded':
    case 'failed':
      return { value: 1, tone };
  }
}

/** "2 of 3 hosts done" for a deployment under way. */
export function hostCountLabel(deployment: DeploymentWithHosts): string {
  const done = deployment.hosts.filter((h) => h.step === 'healthy' || h.step === 'restored').length;
  return `${done} of ${deployment.hosts.length} host${deployment.hosts.length === 1 ? '' : 's'} done`;
}
