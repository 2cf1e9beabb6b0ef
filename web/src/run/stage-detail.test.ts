import { describe, expect, it } from 'vitest';
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import type { DeploymentHost, Stage } from '../../../src/core/model.ts';
import { stageDetail } from './stage-detail.ts';

const host = (hostName: string, step: DeploymentHost['step']): DeploymentHost => ({
  deploymentId: 'd', agentId: hostName, hostName, batch: 0, previousVersion: '1-aaaaaaa', step, error: null, failedStep: null, logTail: [], commandId: null, commandSentAt: null, updatedAt: 0,
});

const deployment = (patch: Partial<DeploymentDetail>): DeploymentDetail => ({
  id: 'd', projectId: 'p', env: 'testing', version: '2-bbbbbbb', runId: 'r', kind: 'deploy', status: 'activating', batch: 1, forced: false, requestedBy: 'engine',
  cause: null, error: null, migration: null, createdAt: 0, finishedAt: null, hosts: [host('web-1', 'staged'), host('web-2', 'staged')], ...patch,
});

const stage = (status: Stage['status'], patch: Partial<Stage> = {}): Stage => ({
  id: 's', runId: 'r', name: 'testing', kind: 'environment', position: 1, status, deploymentId: 'd', jobId: null, rehearsalId: null, approvedBy: null, error: null, startedAt: 0, finishedAt: null, ...patch,
});

describe('stageDetail', () => {
  it('says where the migration runs while it runs, and counts hosts otherwise', () => {
    const migrating = deployment({
      status: 'migrating', migration: { state: 'running', agentId: 'web-1', host: 'web-1', commandId: 'c', sentAt: 0, finishedAt: null, error: null, logTail: [] },
    });
    expect(stageDetail(stage('deploying'), migrating, undefined)).toBe('migrating on web-1…');
    expect(stageDetail(stage('deploying'), deployment({}), undefined)).toBe('0 of 2 hosts done');
  });

  it('names the previous release and its host while the rollback is rehearsed', () => {
    const rehearsal = deployment({ id: 'reh', kind: 'rehearsal', status: 'rehearsing', hosts: [host('web-1', 'restoring')] });
    expect(stageDetail(stage('rehearsing', { rehearsalId: 'reh' }), deployment({ status: 'succeeded' }), rehearsal)).toBe('putting 1-aaaaaaa back on web-1');
    expect(stageDetail(stage('rehearsing'), undefined, undefined)).toBe('putting the previous release back on one host');
  });

  it('keeps its other words: acceptance tests, who approved', () => {
    expect(stageDetail(stage('verifying'), undefined, undefined)).toBe('acceptance tests');
    expect(stageDetail(stage('succeeded', { approvedBy: 'ada' }), undefined, undefined)).toBe('approved by ada');
    expect(stageDetail(stage('succeeded', { approvedBy: 'ada' }), undefined, undefined, true)).toBe('');
  });
});
