// What a progress display shows: a run with its stages and deployments, or one deployment, as the
// API returns them (GET /projects/:name/runs/:number, GET /deployments/:id).
import type { Deployment, DeploymentHost, Run, Stage } from '../../core/model.ts';

export type DeploymentDetail = Deployment & { hosts: DeploymentHost[] };
export type RunDetail = Run & { stages: Stage[]; deployments: DeploymentDetail[] };

export type ProgressState =
  | { kind: 'run'; project: string; run: RunDetail }
  | { kind: 'deployment'; project: string; deployment: DeploymentDetail };

export const deploymentEnded: readonly Deployment['status'][] = ['succeeded', 'rolled_back', 'failed'];
