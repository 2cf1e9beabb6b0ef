// The Store's port for build jobs' one-time upload tokens.
// Part of the Store port: import it from store.ts, which re-exports it.

/** A build job's one-time upload token, as stored: its hash, and what was uploaded with it. */
export interface UploadGrant {
  jobId: string;
  /** The runner the job was given to: the only agent whose upload counts. */
  agentId: string;
  tokenHash: string;
  /** What the runner uploaded; null until it did. */
  upload: { sha256: string; size: number } | null;
  createdAt: number;
  uploadedAt: number | null;
}

export interface UploadStore {
  /** Records the upload token given with a build job to its runner. Throws when the job already has one or is not stored. */
  issue(grant: { jobId: string; agentId: string; tokenHash: string }, at: number): Promise<UploadGrant>;
  getByTokenHash(tokenHash: string): Promise<UploadGrant | undefined>;
  getByJob(jobId: string): Promise<UploadGrant | undefined>;
  /**
   * Records what was uploaded with the job's token, only when nothing was yet: one conditional
   * write, so of two uploads at once exactly one counts. Returns whether this one did.
   */
  record(jobId: string, upload: { sha256: string; size: number }, at: number): Promise<boolean>;
}
