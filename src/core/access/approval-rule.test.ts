import { describe, expect, it } from 'vitest';
import type { Run, SlipwayConfig, Stage, StageStatus } from '../model.ts';
import { decideApproval } from './approval-rule.ts';

const config = {
  environments: { testing: { approval: 'auto' }, production: { approval: 'manual' } },
} as unknown as SlipwayConfig;

function run(status: Run['status'] = 'running'): Pick<Run, 'number' | 'status' | 'config'> {
  return { number: 7, status, config };
}

function stage(name: string, status: StageStatus, approvedBy: string | null = null): Stage {
  return { id: `s-${name}`, runId: 'r', name, kind: 'environment', position: 1, status, deploymentId: null, jobId: null, approvedBy, error: null, startedAt: null, finishedAt: null };
}

describe('decideApproval', () => {
  it('approves a manual stage that waits for approval', () => {
    const production = stage('production', 'awaiting_approval');
    expect(decideApproval({ run: run(), stages: [production], env: 'production' })).toEqual({ kind: 'approved', stage: production });
  });

  it('approves a manual stage ahead of time, while it is still pending', () => {
    expect(decideApproval({ run: run(), stages: [stage('production', 'pending')], env: 'production' }).kind).toBe('approved');
  });

  it('refuses an environment the run has no stage for', () => {
    expect(decideApproval({ run: run(), stages: [stage('production', 'pending')], env: 'staging' }))
      .toEqual({ kind: 'refused', code: 'SLIPWAY_NO_SUCH_STAGE', message: 'run #7 has no "staging" stage' });
  });

  it('refuses a stage whose environment deploys without approval', () => {
    expect(decideApproval({ run: run(), stages: [stage('testing', 'pending')], env: 'testing' })).toMatchObject({ kind: 'refused', code: 'SLIPWAY_APPROVAL_NOT_REQUIRED' });
  });

  it('refuses a run without a config', () => {
    expect(decideApproval({ run: { ...run(), config: null }, stages: [stage('production', 'pending')], env: 'production' }))
      .toMatchObject({ kind: 'refused', code: 'SLIPWAY_APPROVAL_NOT_REQUIRED' });
  });

  it('refuses a second approval and names who approved first', () => {
    expect(decideApproval({ run: run(), stages: [stage('production', 'awaiting_approval', 'alice')], env: 'production' }))
      .toMatchObject({ kind: 'refused', code: 'SLIPWAY_ALREADY_APPROVED', message: expect.stringContaining('by alice') as string });
  });

  it('refuses a stage that is deploying or done', () => {
    for (const status of ['deploying', 'verifying', 'succeeded', 'failed', 'skipped'] as const) {
      expect(decideApproval({ run: run(), stages: [stage('production', status)], env: 'production' })).toMatchObject({ kind: 'refused', code: 'SLIPWAY_NOT_AWAITING_APPROVAL' });
    }
  });

  it('refuses a pending stage of a run that has ended', () => {
    expect(decideApproval({ run: run('failed'), stages: [stage('production', 'pending')], env: 'production' }))
      .toEqual({ kind: 'refused', code: 'SLIPWAY_NOT_AWAITING_APPROVAL', message: 'run #7 has failed, not waiting for approval' });
  });
});
