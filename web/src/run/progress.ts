// How far a host, a deployment and a stage have come, as fractions for the progress bars:
// pure functions of the run's records. A host's part and word come from core/api/host-step-view.ts,
// as in the terminal; the web adds only its tones.
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import { deploymentFraction, hostStepView } from '../../../src/core/api/host-step-view.ts';
import { migrationView } from '../../../src/core/api/migration-view.ts';
import { rehearsalView } from '../../../src/core/api/rehearsal-view.ts';
import type { DeploymentMigration, HostStep, MigrationState, Stage } from '../../../src/core/model.ts';
import type { Tone } from '../components/status.ts';
import { toneOf } from '../components/status.ts';

export interface Progress {
  /** 0–1, or null when it cannot be told (a build running): shown as an animated bar. */
  value: number | null;
  tone: Tone;
}

/** A host's bar: a third per step of staged, activated and healthy (core's hostStepView). */
export function hostProgress(step: HostStep): Progress {
  return { value: hostStepView(step).fraction, tone: toneOf(step) };
}

/** A deployment's bar: the mean of its hosts' bars, full once it has ended; its tone from its status. */
export function deploymentProgress(deployment: DeploymentDetail): Progress {
  const underWay = ['staging', 'migrating', 'activating', 'rehearsing', 'verifying', 'returning'].includes(deployment.status);
  const tone = toneOf(underWay ? 'deploying' : deployment.status);
  if (deployment.finishedAt !== null) return { value: 1, tone };
  // A rehearsal's one host goes back and forth between releases: its steps say less than its status.
  if (deployment.kind === 'rehearsal') return { value: rehearsalView(deployment).fraction, tone };
  return { value: deploymentFraction(deployment.hosts), tone };
}

/** A stage's bar: from its deployment while deploying, full once verifying or done. */
export function stageProgress(stage: Stage, deployment: DeploymentDetail | undefined): Progress {
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
    case 'rehearsing':
      return { value: null, tone };
    case 'succeeded':
    case 'failed':
      return { value: 1, tone };
  }
}

/** "2 of 3 hosts done" for a deployment under way. */
export function hostCountLabel(deployment: DeploymentDetail): string {
  // Behind a load balancer a host is through once it is back in the pool.
  const through: HostStep[] = deployment.hosts.some((h) => h.step === 'ready' || h.step === 'restored_ready') ? ['ready', 'restored_ready'] : ['healthy', 'restored'];
  const done = deployment.hosts.filter((h) => through.includes(h.step)).length;
  return `${done} of ${deployment.hosts.length} host${deployment.hosts.length === 1 ? '' : 's'} done`;
}

const migrationTones: Record<MigrationState, Tone> = { pending: 'idle', running: 'active', succeeded: 'ok', failed: 'fail', unknown: 'fail' };

/** The migrate step's bar: running while it runs (its length cannot be told), full once it ended. */
export function migrationProgress(migration: DeploymentMigration): Progress {
  return { value: migrationView(migration).fraction, tone: migrationTones[migration.state] };
}
