// Plain runs, stages, deployments and hosts for the progress tests: each a complete record with
// sensible values, changed by the fields a test names.
import type { DeploymentHost, DeploymentMigration, Stage } from '../../core/model.ts';
import type { DeploymentDetail, RunDetail } from './progress-state.ts';

export const t0 = 1_700_000_000_000;

export function host(hostName: string, step: DeploymentHost['step'], patch: Partial<DeploymentHost> = {}): DeploymentHost {
  return {
    deploymentId: 'dep', agentId: `agent-${hostName}`, hostName, batch: 0, previousVersion: '1-aaaaaaa', step, error: null, failedStep: null, logTail: [],
    commandId: null, commandSentAt: null, updatedAt: t0, ...patch,
  };
}

export function deployment(env: string, status: DeploymentDetail['status'], hosts: DeploymentHost[], patch: Partial<DeploymentDetail> = {}): DeploymentDetail {
  return {
    id: `dep-${env}`, projectId: 'p1', env, version: '2-bbbbbbb', runId: 'run-2', kind: 'deploy', status, batch: 1, forced: false,
    requestedBy: 'test', cause: null, error: null, migration: null, createdAt: t0, finishedAt: null, hosts, ...patch,
  };
}

/** A deployment's migration on production-1, sent at t0 + 5s. */
export function migration(state: DeploymentMigration['state'], patch: Partial<DeploymentMigration> = {}): DeploymentMigration {
  return {
    state, agentId: 'agent-production-1', host: 'production-1', commandId: 'cmd-migrate', sentAt: t0 + 5_000, finishedAt: null, error: null, logTail: [], ...patch,
  };
}

export function stage(name: string, status: Stage['status'], patch: Partial<Stage> = {}): Stage {
  return {
    id: `stage-${name}`, runId: 'run-2', name, kind: name === 'build' ? 'build' : 'environment', position: 0, status,
    deploymentId: null, jobId: null, rehearsalId: null, approvedBy: null, error: null, startedAt: null, finishedAt: null, ...patch,
  };
}

export function run(stages: Stage[], deployments: DeploymentDetail[], patch: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 'run-2', projectId: 'p1', number: 2, sha: 'b'.repeat(40), ref: 'main', message: 'Say hi', author: 'test', trigger: 'manual', requestedBy: null,
    status: 'running', config: null, version: '2-bbbbbbb', error: null, createdAt: t0, finishedAt: null, stages, jobs: [], deployments, rollbackSafety: null, ...patch,
  };
}
