// The records Slipway keeps: what the Store saves and the API returns. Plain data, times in
// milliseconds since the epoch.
import type { SlipwayConfig } from './pipeline/slipway-config.ts';
import type { BatchSize } from './pipeline/slipway-config.ts';

export type Labels = Record<string, string>;

export interface Project {
  id: string;
  name: string;
  repoUrl: string;
  branch: string;
  pollIntervalMs: number;
  /** Shared secret of the push webhook (HMAC-SHA256). */
  webhookSecret: string;
  /** The newest commit of the branch that already has a run; null before the first. */
  lastSeenSha: string | null;
  /**
   * Why the last check of the repository (a poll or a push webhook) failed, and when it started
   * failing; null once a check works again.
   */
  pollError: ProjectPollError | null;
  createdAt: number;
}

export interface ProjectPollError {
  message: string;
  at: number;
}

export type RunTrigger = 'poll' | 'webhook' | 'manual';
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Run {
  id: string;
  projectId: string;
  /** 1, 2, 3… per project; the first half of every version this run builds. */
  number: number;
  sha: string;
  ref: string;
  message: string;
  author: string;
  trigger: RunTrigger;
  /** Who asked for it (a principal's name) when it was started or re-run by hand; null for commits found by poll or webhook. */
  requestedBy: string | null;
  status: RunStatus;
  /** The commit's slipway.yml; null when it was missing or broken (then `error` says why). */
  config: SlipwayConfig | null;
  /** `<number>-<sha7>`. */
  version: string;
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export type StageKind = 'build' | 'environment';
export type StageStatus =
  | 'pending'
  | 'running' // build: its job runs
  | 'awaiting_approval'
  | 'deploying'
  | 'verifying'
  | 'rehearsing' // the rollback rehearsal (a deployment of kind `rehearsal`, the stage's rehearsalId) runs
  | 'succeeded'
  | 'failed'
  | 'skipped';

export interface Stage {
  id: string;
  runId: string;
  /** "build" or the environment's name. */
  name: string;
  kind: StageKind;
  position: number;
  status: StageStatus;
  deploymentId: string | null;
  jobId: string | null;
  /** The rollback rehearsal that followed the stage's deployment and verify, if one ran. */
  rehearsalId: string | null;
  approvedBy: string | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export type JobKind = 'build' | 'verify' | 'migrate';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/**
 * What a job is done for: a stage of a run (a build, a verify) or a deployment (a migration run
 * by one of its steps). Exactly one owner; the owner's record decides what the job's end means.
 */
export type JobOwner =
  | { kind: 'stage'; runId: string; stageId: string }
  | { kind: 'deployment'; deploymentId: string };

export interface Job {
  id: string;
  owner: JobOwner;
  kind: JobKind;
  status: JobStatus;
  agentId: string | null;
  commandId: string | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface Artifact {
  projectId: string;
  version: string;
  runId: string;
  sha256: string;
  size: number;
  createdAt: number;
  quarantinedAt: number | null;
  quarantineReason: string | null;
  /** What the rollback rehearsal found; null when none ran (no migration, or not rehearsed). */
  rollbackSafety: RollbackSafety | null;
}

/**
 * Whether the version's previous release still worked on the database this version migrated:
 * `safe` false keeps the version from being promoted without `--force`, and from being rolled
 * back automatically after its migration ran.
 */
export interface RollbackSafety {
  safe: boolean;
  /** The rehearsal that found it, and on which host; `reason` says what failed, with its lines in `logTail`. */
  deploymentId: string;
  host: string;
  previousVersion: string;
  reason: string | null;
  logTail: string[];
  at: number;
}

export interface AppOnHost {
  app: string;
  current: string | null;
  releases: string[];
}

export interface Agent {
  id: string;
  name: string;
  labels: Labels;
  /** How runners and health checks reach its apps. */
  address: string;
  /** The PORT its apps get; null means each app's `run.port`. */
  port: number | null;
  online: boolean;
  lastSeenAt: number;
  apps: AppOnHost[];
  enrolledAt: number;
  /**
   * `active` works; `pending` waits for an admin to accept it (`--accept-agents manual`);
   * `revoked` and `removed` have no valid token. Only an active agent is in an environment or runs jobs.
   */
  status: AgentStatus;
  /** An admin allowed its name to be enrolled once more (a host whose root was wiped). */
  enrollAllowed: boolean;
}

export type AgentStatus = 'active' | 'pending' | 'revoked' | 'removed';

/** `rehearsal`: the previous release put back on one host after a migration, checked, and replaced again. */
export type DeploymentKind = 'deploy' | 'rollback' | 'rehearsal';

/**
 * staging → (migrating) → activating → succeeded, or → rolling_back → rolled_back | failed;
 * `failed_migration`: the migration failed or its outcome is unknown, and no host changed.
 * A rehearsal goes rehearsing → (verifying) → returning → succeeded | failed.
 */
export type DeploymentStatus =
  | 'staging'
  | 'migrating'
  | 'activating'
  | 'rolling_back'
  | 'rehearsing'
  | 'verifying'
  | 'returning'
  | 'succeeded'
  | 'rolled_back'
  | 'failed'
  | 'failed_migration';

/** The statuses of a deployment that has not ended: one such deployment per environment at most. */
export const ACTIVE_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = ['staging', 'migrating', 'activating', 'rolling_back', 'rehearsing', 'verifying', 'returning'];

/** Whether a deployment has ended (it then holds its environment no more). */
export function isDeploymentEnded(status: DeploymentStatus): boolean {
  return !ACTIVE_DEPLOYMENT_STATUSES.includes(status);
}

/**
 * A deployment's migration: `pending` until sent to its host, `running` once written down for it
 * (never sent again), then `succeeded`, `failed`, or `unknown` (the host was lost or restarted
 * while it ran: nobody can say whether it finished, so a person must).
 */
export type MigrationState = 'pending' | 'running' | 'succeeded' | 'failed' | 'unknown';

export interface DeploymentMigration {
  state: MigrationState;
  /** The host it runs on (the plan's first), once sent. */
  agentId: string | null;
  host: string | null;
  commandId: string | null;
  sentAt: number | null;
  finishedAt: number | null;
  error: string | null;
  logTail: string[];
}

/** Where a host failed: the agent's own step, or the server giving up on it. */
/** `job`: a job's own command failed (a step exited non-zero, no artifact). */
/** `lb`: an LB agent failed to drain, ready or read the host's server (the error names it and the command). */
/** `migrate`: the deployment's migration; `verify`: a rehearsal's verify job against its host. */
export type FailureStep = 'stage' | 'activate' | 'health' | 'job' | 'timeout' | 'agent_lost' | 'lb' | 'migrate' | 'verify';

export interface RollbackCause {
  host: string;
  step: FailureStep;
  error: string;
  logTail: string[];
}

export interface Deployment {
  id: string;
  projectId: string;
  env: string;
  version: string;
  runId: string | null;
  kind: DeploymentKind;
  status: DeploymentStatus;
  batch: BatchSize;
  forced: boolean;
  requestedBy: string;
  cause: RollbackCause | null;
  error: string | null;
  /** The migration this deployment runs (slipway.yml `migrate:`); null when it runs none. */
  migration: DeploymentMigration | null;
  createdAt: number;
  finishedAt: number | null;
}

/**
 * Behind a load balancer a host also goes staged → draining → activating → healthy → readying →
 * ready, and a rollback takes a host that ran the new version through restore_draining → restoring
 * → restored → restore_readying → restored_ready.
 */
export type HostStep =
  | 'pending'
  | 'staging'
  | 'staged'
  | 'stage_failed' // never activated: nothing to restore
  | 'draining' // LB: no new sessions; waiting for the open ones to end (or the drain timeout)
  | 'activating'
  | 'healthy'
  | 'readying' // LB: back in the pool, waiting until every LB sees it serving
  | 'ready' // LB: serving the new version through every LB
  | 'failed' // activation or health check failed: restored in the rollback
  | 'restore_draining'
  | 'restoring'
  | 'restored'
  | 'restore_readying'
  | 'restored_ready'
  | 'restore_failed';

export interface DeploymentHost {
  deploymentId: string;
  agentId: string;
  hostName: string;
  batch: number;
  /** What the host ran before; null until staged, and for a host that never ran the app. */
  previousVersion: string | null;
  step: HostStep;
  error: string | null;
  /** Where the host failed, with `error`; null unless its step is a failed one. */
  failedStep: FailureStep | null;
  logTail: string[];
  /** The agent command in flight for this host, if any. */
  commandId: string | null;
  /** When that command was sent; in a load-balancer step (draining, readying…), when the step began. */
  commandSentAt: number | null;
  updatedAt: number;
}

/** What an `lb` command of a deployment is for. */
export type LbPurpose = 'check' | 'set' | 'read';

/**
 * An `lb` command a deployment sent to one of its LB agents, kept so that a restarted server knows
 * what it asked and reads the answers (`commandId` in the agent commands). Commands sent together
 * (one per LB agent) share a `round`; rounds grow by one per deployment.
 */
export interface DeploymentLbCommand {
  deploymentId: string;
  commandId: string;
  lbAgentId: string;
  /** The host whose server it sets or reads; null for the pre-flight read of the whole backend. */
  hostAgentId: string | null;
  purpose: LbPurpose;
  /** The state Slipway means the host's server to have (set, or expected by a read); null for a check. */
  intended: 'ready' | 'drain' | 'maint' | null;
  round: number;
  sentAt: number;
}

/** A host as admission plans it into a deployment: its agent, name and batch. */
export type NewDeploymentHostPlan = Pick<DeploymentHost, 'agentId' | 'hostName' | 'batch'>;

export interface Environment {
  projectId: string;
  name: string;
  /** The version the environment ran after its last succeeded deployment. */
  knownGood: string | null;
}

export interface SlipwayEvent {
  id: number;
  at: number;
  kind: string;
  projectId: string | null;
  runId: string | null;
  deploymentId: string | null;
  /** Who did it (a principal's name) when a request caused it; null for what the server did by itself. */
  actor: string | null;
  message: string;
  data: Record<string, unknown>;
}

export interface LogLine {
  id: number;
  at: number;
  /** Where the line came from: an agent id, or "server". With `seq`, unique. */
  source: string;
  seq: number;
  host: string;
  app: string | null;
  env: string | null;
  /** job, deploy, app, or a log file's path. */
  stream: string;
  level: string | null;
  runId: string | null;
  deploymentId: string | null;
  text: string;
}

export type { SlipwayConfig };

/** A person who calls the API with a token of their own; what they may do comes from their grants. */
export interface User {
  id: string;
  name: string;
  /** Tells them apart from a commit's author (approval: notAuthor); null when none was given. */
  email: string | null;
  createdAt: number;
}

/** A user's API token, as listed: the token itself is shown once and stored only as a hash. */
export interface UserToken {
  id: string;
  userId: string;
  createdAt: number;
  revokedAt: number | null;
  /** A web session's end; null: until revoked. */
  expiresAt: number | null;
}

/** One person's approval of an environment stage (a stage may need several different ones). */
export interface StageApproval {
  stageId: string;
  /** Tells approvers apart: `user:<id>` or `admin`. */
  approverKey: string;
  /** The approver's name, as records show it. */
  approver: string;
  at: number;
}
