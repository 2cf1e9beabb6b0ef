import { describe, expect, it } from 'vitest';
import type { Run, SlipwayConfig, Stage, StageStatus } from '../model.ts';
import { approverOf, authorEmail, decideApproval, type ApprovalRequest, type Approver } from './approval-rule.ts';
import { BOOTSTRAP_ADMIN } from './principal.ts';

const config = {
  environments: {
    testing: { approval: 'auto' },
    production: { approval: { required: 1, notAuthor: false } },
    payments: { approval: { required: 2, notAuthor: true } },
  },
} as unknown as SlipwayConfig;

function run(status: Run['status'] = 'running'): ApprovalRequest['run'] {
  return { number: 7, status, config, author: 'Ada Lovelace <Ada@Example.com>' };
}

function stage(name: string, status: StageStatus, approvedBy: string | null = null): Stage {
  return { id: `s-${name}`, runId: 'r', name, kind: 'environment', position: 1, status, deploymentId: null, jobId: null, rehearsalId: null, approvedBy, error: null, startedAt: null, finishedAt: null };
}

function user(name: string, email: string | null): Approver {
  return approverOf({ kind: 'user', name, userId: `u-${name}`, email, grants: [] });
}

const bob = user('bob', 'bob@example.com');
const ada = user('ada', 'ada@example.com');

function decide(patch: Partial<ApprovalRequest> & Pick<ApprovalRequest, 'stages' | 'env'>) {
  return decideApproval({ run: run(), approver: bob, approvals: [], ...patch });
}


describe('decideApproval', () => {
  it('approves a manual stage that waits for approval, and the one approval opens it', () => {
    const production = stage('production', 'awaiting_approval');
    expect(decide({ stages: [production], env: 'production' })).toEqual({ kind: 'approved', stage: production, required: 1, opens: true });
  });

  it('approves a manual stage ahead of time, while it is still pending', () => {
    expect(decide({ stages: [stage('production', 'pending')], env: 'production' }).kind).toBe('approved');
  });

  it('refuses an environment the run has no stage for', () => {
    expect(decide({ stages: [stage('production', 'pending')], env: 'staging' }))
      .toEqual({ kind: 'refused', code: 'SLIPWAY_NO_SUCH_STAGE', message: 'run #7 has no "staging" stage' });
  });

  it('refuses a stage whose environment deploys without approval', () => {
    expect(decide({ stages: [stage('testing', 'pending')], env: 'testing' })).toMatchObject({ kind: 'refused', code: 'SLIPWAY_APPROVAL_NOT_REQUIRED' });
  });

  it('refuses a run without a config', () => {
    expect(decide({ run: { ...run(), config: null }, stages: [stage('production', 'pending')], env: 'production' }))
      .toMatchObject({ kind: 'refused', code: 'SLIPWAY_APPROVAL_NOT_REQUIRED' });
  });

  it('refuses an approval once the gate is open and names who opened it', () => {
    expect(decide({ stages: [stage('production', 'awaiting_approval', 'alice')], env: 'production' }))
      .toMatchObject({ kind: 'refused', code: 'SLIPWAY_ALREADY_APPROVED', message: expect.stringContaining('by alice') as string });
  });

  it('refuses a stage that is deploying or done', () => {
    for (const status of ['deploying', 'verifying', 'succeeded', 'failed', 'skipped'] as const) {
      expect(decide({ stages: [stage('production', status)], env: 'production' })).toMatchObject({ kind: 'refused', code: 'SLIPWAY_NOT_AWAITING_APPROVAL' });
    }
  });

  it('refuses a pending stage of a run that has ended', () => {
    expect(decide({ run: run('failed'), stages: [stage('production', 'pending')], env: 'production' }))
      .toEqual({ kind: 'refused', code: 'SLIPWAY_NOT_AWAITING_APPROVAL', message: 'run #7 has failed, not waiting for approval' });
  });
});

describe('decideApproval with required: 2 and notAuthor', () => {
  const payments = stage('payments', 'awaiting_approval');

  it('counts the first approver without opening the gate, and opens it at the second different one', () => {
    expect(decide({ stages: [payments], env: 'payments', approver: user('cy', 'cy@example.com') })).toMatchObject({ kind: 'approved', opens: false });
    expect(decide({ stages: [payments], env: 'payments', approvals: [{ approverKey: user('cy', 'cy@example.com').key, approver: 'cy' }] }))
      .toMatchObject({ kind: 'approved', opens: true });
  });

  it('does not count the same approver twice', () => {
    expect(decide({ stages: [payments], env: 'payments', approvals: [{ approverKey: bob.key, approver: 'bob' }] }))
      .toMatchObject({ kind: 'refused', code: 'SLIPWAY_ALREADY_APPROVED', message: expect.stringContaining('2 different approvers') as string });
  });

  it('refuses the commit\'s author, by email whatever its case, and accepts somebody else', () => {
    expect(decide({ stages: [payments], env: 'payments', approver: ada }))
      .toMatchObject({ kind: 'refused', code: 'SLIPWAY_APPROVER_IS_AUTHOR', message: expect.stringContaining('ada wrote the commit of run #7') as string });
    expect(decide({ stages: [payments], env: 'payments', approver: bob }).kind).toBe('approved');
  });

  it('refuses a user without an email, who cannot be told apart from the author, but not the bootstrap admin', () => {
    expect(decide({ stages: [payments], env: 'payments', approver: user('nameless', null) })).toMatchObject({ code: 'SLIPWAY_APPROVER_IS_AUTHOR' });
    expect(decide({ stages: [payments], env: 'payments', approver: approverOf(BOOTSTRAP_ADMIN) }).kind).toBe('approved');
  });
});

describe('authorEmail', () => {
  it('reads the email of a git author, lowercased, and null without one', () => {
    expect(authorEmail('Ada Lovelace <Ada@Example.com>')).toBe('ada@example.com');
    expect(authorEmail('Ada Lovelace')).toBeNull();
    expect(authorEmail('')).toBeNull();
  });
});
