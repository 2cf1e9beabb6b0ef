// The approval rule: may this person approve this environment stage of this run now, and does their
// approval open the gate? A pure decision on plain data; the API applies it and records who
// approved (from the principal), one row per approver.
import type { Run, Stage } from '../model.ts';
import type { Principal } from './principal.ts';

export type ApprovalRefusal =
  | 'SLIPWAY_NO_SUCH_STAGE'
  | 'SLIPWAY_APPROVAL_NOT_REQUIRED'
  | 'SLIPWAY_ALREADY_APPROVED'
  | 'SLIPWAY_NOT_AWAITING_APPROVAL'
  | 'SLIPWAY_APPROVER_IS_AUTHOR';

export type ApprovalDecision =
  /**
   * `required`: how many different approvers open the gate; `opens`: with the approvals given,
   * this one is the last required.
   */
  | { kind: 'approved'; stage: Stage; required: number; opens: boolean }
  | { kind: 'refused'; code: ApprovalRefusal; message: string };

/** Who approves: `key` tells people apart (two approvals by one key count once), `name` is what records show. */
export interface Approver {
  key: string;
  name: string;
  /** A user's email; null for a user without one and for the bootstrap admin. */
  email: string | null;
  /** The bootstrap admin: it may do everything anyway (--force), so `notAuthor` does not stop it. */
  bootstrap: boolean;
}

/** An approval already recorded for the stage. */
export interface RecordedApproval {
  approverKey: string;
  approver: string;
}

export interface ApprovalRequest {
  run: Pick<Run, 'number' | 'status' | 'config' | 'author'>;
  /** The run's stages. */
  stages: readonly Stage[];
  env: string;
  approver: Approver;
  /** The approvals recorded for the env's stage so far. */
  approvals: readonly RecordedApproval[];
}

/** The approver a principal is: users by their id (a renamed or re-added user is another key), the bootstrap admin as itself. */
export function approverOf(principal: Principal): Approver {
  if (principal.kind === 'user') return { key: `user:${principal.userId}`, name: principal.name, email: principal.email, bootstrap: false };
  return { key: principal.kind, name: principal.name, email: null, bootstrap: principal.kind === 'admin' };
}

/** The email of a commit author written `Name <email>` (as git gives it), lowercased; null when there is none. */
export function authorEmail(author: string): string | null {
  const match = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(author);
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * Approves when the run has a stage for `env`, the environment asks for approval in the run's own
 * slipway.yml, the gate is not open yet, the run has not ended, the stage waits for approval or
 * has not started (approving ahead of time is allowed), this approver has not approved it yet,
 * and, with `notAuthor`, the approver is not the commit's author: a user whose email is the
 * author's email is refused, and so is a user without an email (nothing shows they are not the
 * author). The approval opens the gate when it is the `required`-th different approver.
 * Otherwise refused, with a stable code and a message naming the run and the stage.
 */
export function decideApproval({ run, stages, env, approver, approvals }: ApprovalRequest): ApprovalDecision {
  const refuse = (code: ApprovalRefusal, message: string): ApprovalDecision => ({ kind: 'refused', code, message });
  const stage = stages.find((s) => s.kind === 'environment' && s.name === env);
  if (!stage) return refuse('SLIPWAY_NO_SUCH_STAGE', `run #${run.number} has no "${env}" stage`);
  const approval = run.config?.environments[env]?.approval ?? 'auto';
  if (approval === 'auto') {
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
  if (approvals.some((a) => a.approverKey === approver.key)) {
    return refuse('SLIPWAY_ALREADY_APPROVED', `${approver.name} already approved stage "${env}" of run #${run.number}; it needs ${approval.required} different approvers`);
  }
  if (approval.notAuthor && !approver.bootstrap) {
    const author = authorEmail(run.author);
    const email = approver.email?.toLowerCase() ?? null;
    if (email === null) {
      return refuse('SLIPWAY_APPROVER_IS_AUTHOR', `stage "${env}" of run #${run.number} may not be approved by its commit's author, and ${approver.name} has no email to tell them apart`);
    }
    if (author !== null && email === author) {
      return refuse('SLIPWAY_APPROVER_IS_AUTHOR', `${approver.name} wrote the commit of run #${run.number} (${author}): somebody else must approve "${env}"`);
    }
  }
  return { kind: 'approved', stage, required: approval.required, opens: approvals.length + 1 >= approval.required };
}
