// What a host's step means to whoever shows it: how far along its bar it is, the word for it,
// whether the host is through, and how telling it is. The web UI and the terminal both read it
// from here, so that they never disagree; each keeps only its own look (colours, icons).
import type { DeploymentHost, HostStep } from '../model.ts';

export interface HostStepView {
  step: HostStep;
  /**
   * How far the host is along staged → activated → healthy, 0 to 1: each third is one step, a
   * step in flight is half done. A failed host keeps the part it reached; a restore refills it.
   */
  fraction: number;
  /** The step in words: "staging", "staging failed", "healthy", "restore failed". */
  word: string;
  /** The host has nothing more to do in its deployment (it may have failed). */
  finished: boolean;
  /** The step is a failure: the host needs looking at, or caused a rollback. */
  failed: boolean;
  /** Which hosts to show first when not all fit, lowest first: broken, busy, staged, waiting, done. */
  interest: number;
}

const view = (step: HostStep, fraction: number, word: string, finished: boolean, failed: boolean, interest: number): HostStepView => ({
  step, fraction, word, finished, failed, interest,
});

const views: Record<HostStep, HostStepView> = {
  pending: view('pending', 0, 'pending', false, false, 3),
  staging: view('staging', 1 / 6, 'staging', false, false, 1),
  staged: view('staged', 1 / 3, 'staged', false, false, 2),
  stage_failed: view('stage_failed', 1 / 6, 'staging failed', true, true, 0),
  // Behind a load balancer: drained before the switch, readied after the health check. `healthy`
  // is then not quite the end, but its bar is full: readying only waits for HAProxy to agree.
  draining: view('draining', 5 / 12, 'draining', false, false, 1),
  activating: view('activating', 1 / 2, 'activating', false, false, 1),
  healthy: view('healthy', 1, 'healthy', true, false, 4),
  readying: view('readying', 1, 'readying', false, false, 1),
  ready: view('ready', 1, 'ready', true, false, 4),
  failed: view('failed', 1 / 2, 'failed', true, true, 0),
  restore_draining: view('restore_draining', 1 / 2, 'draining for restore', false, false, 1),
  restoring: view('restoring', 1 / 2, 'restoring', false, false, 1),
  restored: view('restored', 1, 'restored', true, false, 4),
  restore_readying: view('restore_readying', 1, 'readying restored', false, false, 1),
  restored_ready: view('restored_ready', 1, 'restored, ready', true, false, 4),
  restore_failed: view('restore_failed', 1 / 2, 'restore failed', true, true, 0),
};

/** Every host step, in the order a deployment goes through them. */
export const hostSteps: readonly HostStep[] = Object.freeze(Object.keys(views) as HostStep[]);

/** How the step reads and how far it fills a bar. */
export function hostStepView(step: HostStep): HostStepView {
  return views[step];
}

/** Whether a status string is a host step (host steps share a few names with other statuses). */
export function isHostStep(status: string): status is HostStep {
  return Object.hasOwn(views, status);
}

/** A deployment's part done: the mean of its hosts' fractions; 0 with no hosts. */
export function deploymentFraction(hosts: readonly Pick<DeploymentHost, 'step'>[]): number {
  if (hosts.length === 0) return 0;
  return hosts.reduce((sum, host) => sum + views[host.step].fraction, 0) / hosts.length;
}
