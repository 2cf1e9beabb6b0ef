// What a progress display shows: a run with its stages and deployments, or one deployment, as the
// API answers them (core/api/answers.ts: GET /projects/:name/runs/:number, GET /deployments/:id).
import type { DeploymentDetail, RunDetail } from '../../core/api/answers.ts';
import type { Deployment } from '../../core/model.ts';

export type { DeploymentDetail, RunDetail };

export type ProgressState =
  | { kind: 'run'; project: string; run: RunDetail }
  | { kind: 'deployment'; project: string; deployment: DeploymentDetail };

/** The statuses a deployment ends in: a failed migration ends it too (no host changed, nothing more happens). */
export const deploymentEnded: readonly Deployment['status'][] = ['succeeded', 'rolled_back', 'failed', 'failed_migration'];
