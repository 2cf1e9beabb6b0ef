// How each status reads on a terminal: a word, an icon and a colour, and how far along a bar it is.
import type { Deployment, DeploymentHost, HostStep, Run, Stage } from '../../core/model.ts';
import type { Style } from './styled-text.ts';

export interface StatusLook {
  icon: string;
  word: string;
  tone: Style;
}

const look = (icon: string, word: string, tone: Style): StatusLook => ({ icon, word, tone });

const runLooks: Record<Run['status'], StatusLook> = {
  queued: look('○', 'queued', 'dim'),
  running: look('●', 'running', 'yellow'),
  succeeded: look('✓', 'succeeded', 'green'),
  failed: look('✗', 'failed', 'red'),
};

const stageLooks: Record<Stage['status'], StatusLook> = {
  pending: look('○', 'pending', 'dim'),
  running: look('●', 'running', 'yellow'),
  awaiting_approval: look('◆', 'awaiting approval', 'cyan'),
  deploying: look('●', 'deploying', 'yellow'),
  verifying: look('●', 'verifying', 'yellow'),
  succeeded: look('✓', 'succeeded', 'green'),
  failed: look('✗', 'failed', 'red'),
  skipped: look('–', 'skipped', 'dim'),
};

const deploymentLooks: Record<Deployment['status'], StatusLook> = {
  staging: look('●', 'staging', 'yellow'),
  activating: look('●', 'activating', 'yellow'),
  rolling_back: look('↺', 'rolling back', 'magenta'),
  succeeded: look('✓', 'succeeded', 'green'),
  rolled_back: look('↺', 'rolled back', 'red'),
  failed: look('✗', 'failed', 'red'),
};

const hostLooks: Record<HostStep, StatusLook> = {
  pending: look('○', 'pending', 'dim'),
  staging: look('●', 'staging', 'yellow'),
  staged: look('●', 'staged', 'blue'),
  stage_failed: look('✗', 'stage failed', 'red'),
  activating: look('●', 'activating', 'yellow'),
  healthy: look('✓', 'healthy', 'green'),
  failed: look('✗', 'failed', 'red'),
  restoring: look('↺', 'restoring', 'magenta'),
  restored: look('↺', 'restored', 'magenta'),
  restore_failed: look('✗', 'restore failed', 'red'),
};

export const runLook = (status: Run['status']): StatusLook => runLooks[status];
export const stageLook = (status: Stage['status']): StatusLook => stageLooks[status];
export const deploymentLook = (status: Deployment['status']): StatusLook => deploymentLooks[status];
export const hostLook = (step: HostStep): StatusLook => hostLooks[step];

/**
 * How far a host is along staged → activated → healthy, as a part of its bar: each third is one
 * step, a step in flight is half done. A failed host keeps the part it reached; a restore refills it.
 */
export function hostFraction(step: HostStep): number {
  const fractions: Record<HostStep, number> = {
    pending: 0, staging: 1 / 6, staged: 1 / 3, stage_failed: 1 / 6, activating: 1 / 2, healthy: 1,
    failed: 1 / 2, restoring: 1 / 2, restored: 1, restore_failed: 1 / 2,
  };
  return fractions[step];
}

/** The deployment's part done: the mean of its hosts'. */
export function deploymentFraction(hosts: DeploymentHost[]): number {
  if (hosts.length === 0) return 0;
  return hosts.reduce((sum, host) => sum + hostFraction(host.step), 0) / hosts.length;
}

/** Which hosts to show first when not all fit: broken ones, then busy ones, then the rest. */
export function hostInterest(step: HostStep): number {
  const order: Record<HostStep, number> = {
    stage_failed: 0, failed: 0, restore_failed: 0, staging: 1, activating: 1, restoring: 1, staged: 2, pending: 3, healthy: 4, restored: 4,
  };
  return order[step];
}
