import { describe, expect, it } from 'vitest';
import type { DeploymentHost, DeploymentMigration, HostStep, Stage } from '../../../src/core/model.ts';
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import { deploymentProgress, hostCountLabel, hostProgress, migrationProgress, stageProgress } from './progress.ts';

const host = (hostName: string, step: HostStep): DeploymentHost => ({
  deploymentId: 'd', agentId: hostName, hostName, batch: 0, previousVersion: null, step, error: null, failedStep: null, logTail: [], commandId: null, commandSentAt: null, updatedAt: 0,
});

const deployment = (steps: HostStep[], status: DeploymentDetail['status'] = 'activating', finishedAt: number | null = null): DeploymentDetail => ({
  id: 'd', projectId: 'p', env: 'testing', version: '1-abc', runId: 'r', kind: 'deploy', status, batch: 1, forced: false, requestedBy: 'engine',
  cause: null, error: null, migration: null, createdAt: 0, finishedAt, hosts: steps.map((s, i) => host(`h${i}`, s)),
});

const stage = (status: Stage['status']): Stage => ({
  id: 's', runId: 'r', name: 'testing', kind: 'environment', position: 1, status, deploymentId: 'd', jobId: null, rehearsalId: null, approvedBy: null, error: null, startedAt: 0, finishedAt: null,
});

describe('progress', () => {
  it('fills a host bar as it goes from pending through staged and activating to healthy', () => {
    const steps: HostStep[] = ['pending', 'staging', 'staged', 'activating', 'healthy'];
    const values = steps.map((s) => hostProgress(s).value!);
    expect(values[0]).toBe(0);
    expect(values[4]).toBe(1);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(hostProgress('healthy').tone).toBe('ok');
    expect(hostProgress('failed').tone).toBe('fail');
  });

  it('averages the hosts of a deployment and is full once it has ended', () => {
    expect(deploymentProgress(deployment(['healthy', 'pending'])).value).toBe(0.5);
    expect(deploymentProgress(deployment(['healthy', 'failed'], 'rolled_back', 10))).toEqual({ value: 1, tone: 'warn' });
    expect(deploymentProgress(deployment([])).value).toBe(0);
  });

  it('shows a running build as an indeterminate bar and a deploying stage by its hosts', () => {
    expect(stageProgress({ ...stage('running'), kind: 'build' }, undefined).value).toBeNull();
    expect(stageProgress(stage('deploying'), deployment(['healthy', 'staged'])).value).toBeCloseTo(2 / 3);
    expect(stageProgress(stage('deploying'), deployment(['healthy', 'healthy'])).value).toBe(0.95);
    expect(stageProgress(stage('succeeded'), undefined)).toEqual({ value: 1, tone: 'ok' });
    expect(stageProgress(stage('awaiting_approval'), undefined)).toEqual({ value: 0, tone: 'wait' });
  });

  it('counts hosts done', () => {
    expect(hostCountLabel(deployment(['healthy', 'activating', 'pending']))).toBe('1 of 3 hosts done');
    expect(hostCountLabel(deployment(['healthy']))).toBe('1 of 1 host done');
  });

  it('runs the migrate bar while the migration runs, full and red once it failed or nobody can tell', () => {
    const migration = (state: DeploymentMigration['state']): DeploymentMigration => ({
      state, agentId: 'h0', host: 'h0', commandId: 'c', sentAt: 0, finishedAt: null, error: null, logTail: [],
    });
    expect(migrationProgress(migration('pending'))).toEqual({ value: 0, tone: 'idle' });
    expect(migrationProgress(migration('running'))).toEqual({ value: null, tone: 'active' });
    expect(migrationProgress(migration('succeeded'))).toEqual({ value: 1, tone: 'ok' });
    expect(migrationProgress(migration('failed'))).toEqual({ value: 1, tone: 'fail' });
    expect(migrationProgress(migration('unknown'))).toEqual({ value: 1, tone: 'fail' });
  });

  it('fills a rehearsal\'s bar by its status, not by its one host going back and forth', () => {
    const rehearsal = { ...deployment(['restoring'], 'verifying'), kind: 'rehearsal' as const };
    expect(deploymentProgress(rehearsal)).toEqual({ value: 0.5, tone: 'active' });
    expect(deploymentProgress({ ...rehearsal, status: 'failed', finishedAt: 10 })).toEqual({ value: 1, tone: 'fail' });
  });
});
