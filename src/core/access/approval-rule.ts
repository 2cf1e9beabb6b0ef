// The approval rule: may this environment stage of this run be approved now? A pure decision on
// plain data; the API applies it and records who approved (from the principal).
import type { Run, Stage } from '../model.ts';

export type ApprovalRefusal =
  | 'SLIPWAY_NO_SUCH_STAGE'
  | 'SLIPWAY_APPROVAL_NOT_REQUIRED'
  | 'SLIPWAY_ALREADY_APPROVED'
  | 'SLIPWAY_NOT_AWAITING_APPROVAL';

export type ApprovalDecision =
  | { kind: 'approved'; stage: Stage }
  | { kind: 'refused'; code: ApprovalRefusal; message: string };

export interface ApprovalRequest {
  run: Pick<Run, 'number' | 'status' | 'config'>;
  /** The run's stages. */
  stages: readonly Stage[];
  env: string;
}

/**
 * Approves when the run has a stage for `env`, the environment asks for manual approval in the
 * run's own slipway.yml, nobody approved that stage yet, the run has not ended, and the stage
 * waits for approval or has not started (approving ahead of time is allowed). Otherwise refused,
 * with a stable code and a message naming the run and the stage.
 */
export function decideApproval({ run, stages, env }: ApprovalRequest): ApprovalDecision {
  const refuse = (code: ApprovalRefusal, message: string): ApprovalDecision => ({ kind: 'refused', code, message });
  const stage = stages.find((s) => s.kind === 'environment' && s.name === env);
  if (!stage) return refuse('SLIPWAY_NO_SUCH_STAGE', `run #${run.number} has no "${env}" stage`);
  if (run.config?.environments[env]?.approval !== 'manual') {
    return refuse('SLIPWAY_APPROVAL_NOT_REQUIRED', `"${env}" deploys without approval (approval: auto in run #${run.number}'s slipway.yml)`);
  }
  if (stage.approvedBy !== null) {
    return refuse('SLIPWAY_ALREADY_APPROVED', `stage "${env}" of run #${run.number} was already approved by ${stage.approvedBy}`);
  }
  const ended = run.status === 'succeeded' || run.status === 'failed';
  if (ended || (stage.status !== 'awaiting_approval' && stage.status !== 'pending')) {
    const what = ended ? `run #${run.number} has ${run.status}` : `stage "${env}" of run #${run.number} is ${stage.status.replace('_', ' ')}`;
    return refuse('SLIPWAY_NOT_AWAITING_APPROVAL', `${what}, not waiting for approval`);
  }
  return { kind: 'approved', stage };
}
