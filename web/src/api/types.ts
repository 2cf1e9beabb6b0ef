// The shapes the API answers with, as the UI reads them (see docs/api.md).
import type { Agent, Deployment, DeploymentHost, Job, Project, Run, Stage } from '../../../src/core/model.ts';

export type DeploymentWithHosts = Deployment & { hosts: DeploymentHost[] };

export type RunDetail = Run & { stages: Stage[]; jobs: Job[]; deployments: DeploymentWithHosts[] };

export type RunSummary = Omit<Run, 'config'> & { stages: Stage[] };

export interface EnvironmentView {
  name: string;
  knownGood: string | null;
  hosts: { name: string; version: string | null; online: boolean }[];
  lastDeployment: Deployment | null;
  /** The version a rollback would restore; null when there is none. */
  rollbackTo: string | null;
}

export interface ProjectOverview {
  project: Project;
  lastRun: RunSummary | null;
  environments: EnvironmentView[];
  activeDeployments: DeploymentWithHosts[];
}

export type { Agent };
