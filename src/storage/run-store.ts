// The Store's port for the runs of a project, their stages and the approvals of those.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { Run, RunTrigger, SlipwayConfig, Stage, StageApproval, StageKind } from '../core/model.ts';

export interface NewRun {
  projectId: string;
  sha: string;
  ref: string;
  message: string;
  author: string;
  trigger: RunTrigger;
  /** The principal that started it by hand; absent (null) for poll and webhook runs. */
  requestedBy?: string | null;
  config: SlipwayConfig | null;
  /** A run that cannot start (e.g. broken slipway.yml) is created failed, with this error. */
  error: string | null;
  /** Its stages in order; none for a run created failed. */
  stages: { name: string; kind: StageKind }[];
  /**
   * A trigger's run (poll, webhook): the project gets one such run per commit, enforced by the
   * database, so that two instances finding one new commit at once create one run.
   */
  onePerCommit?: boolean;
}

export interface RunStore {
  /**
   * Creates a run and its stages at once. The run's number is the project's next (1, 2, 3…),
   * assigned atomically, and its version is `<number>-<sha7>`. Status: queued, or failed when
   * `error` is set. With `onePerCommit`, throws ConflictError (SLIPWAY_RUN_EXISTS) when the project
   * has such a run for this commit already (maybe created by another instance a moment ago); nothing
   * is written then (the number is not used up once the enclosing transaction rolls back).
   */
  create(run: NewRun, at: number): Promise<Run>;
  get(id: string): Promise<Run | undefined>;
  getByNumber(projectId: string, number: number): Promise<Run | undefined>;
  /** The project's runs, newest first. */
  list(projectId: string, limit: number): Promise<Run[]>;
  /** Runs that are queued or running, oldest first: the engine's work list. */
  listActive(): Promise<Run[]>;
  /** Whether the project already has a run for this commit. */
  hasSha(projectId: string, sha: string): Promise<boolean>;
  update(id: string, patch: Partial<Pick<Run, 'status' | 'error' | 'finishedAt'>>): Promise<void>;
  /** The run's stages by position. */
  stages(runId: string): Promise<Stage[]>;
  updateStage(id: string, patch: Partial<Omit<Stage, 'id' | 'runId' | 'name' | 'kind' | 'position'>>): Promise<void>;
  /**
   * Records who approved the stage, only when nobody has yet: one conditional write, so of two
   * approvals at once (also on two server instances) exactly one counts. Returns whether it did.
   */
  approveStage(id: string, by: string): Promise<boolean>;
  /**
   * Records one person's approval of a stage, once per approver key: a second approval by the
   * same key (also at the same moment, on another instance) records nothing and returns false.
   * Locks the stage's row for the rest of the transaction first, so `approvals` read after it in
   * the same transaction include every approval of the stage that is recorded (none is missed
   * by two approvers deciding at once).
   */
  addApproval(approval: StageApproval): Promise<boolean>;
  /** The stage's approvals, oldest first. */
  approvals(stageId: string): Promise<StageApproval[]>;
}
