// The Store's port for the jobs runners are handed, each owned by a run stage or a deployment.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { Job, JobOwner } from '../core/model.ts';
import type { JobSpec } from '../core/protocol/messages.ts';

export interface JobWithSpec extends Job {
  spec: JobSpec;
}

export interface NewJob {
  owner: JobOwner;
  kind: Job['kind'];
  spec: JobSpec;
}

export interface JobStore {
  /**
   * Queues a job for its owner, a run stage or a deployment; `spec.jobId` is its id. Throws when
   * the owner's run, stage or deployment is not stored (a foreign key).
   */
  create(job: NewJob, at: number): Promise<Job>;
  get(id: string): Promise<JobWithSpec | undefined>;
  /** The jobs of the run's stages, oldest first. */
  listByRun(runId: string): Promise<Job[]>;
  /** The jobs the deployment owns, oldest first. */
  listByDeployment(deploymentId: string): Promise<Job[]>;
  /**
   * Atomically gives this queued job to this agent (status running, agentId and commandId set).
   * Returns false when the job is not queued (another claimer took it, or it ended). Two callers
   * never both get it: one conditional UPDATE.
   */
  claim(id: string, agentId: string, commandId: string, at: number): Promise<boolean>;
  /** Jobs that are queued or running, oldest first: the engine watches their agents and their age. */
  listActive(): Promise<Job[]>;
  update(id: string, patch: Partial<Pick<Job, 'status' | 'error' | 'finishedAt' | 'agentId' | 'commandId' | 'startedAt'>>): Promise<void>;
}
