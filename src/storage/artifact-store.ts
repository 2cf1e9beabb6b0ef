// The Store's port for the artifacts a build uploaded, by version.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { Artifact, RollbackSafety } from '../core/model.ts';

export interface ArtifactStore {
  /** Records a built version. Throws ConflictError when the project already has this version. */
  create(artifact: Omit<Artifact, 'createdAt' | 'quarantinedAt' | 'quarantineReason' | 'rollbackSafety'>, at: number): Promise<Artifact>;
  get(projectId: string, version: string): Promise<Artifact | undefined>;
  /** Whether any version has this content: the download check for agents. */
  hasSha256(sha256: string): Promise<boolean>;
  /** The project's versions, newest first. */
  list(projectId: string, limit: number): Promise<Artifact[]>;
  /** Marks a version as never to be promoted or auto-deployed again. Keeps the first reason. */
  quarantine(projectId: string, version: string, reason: string, at: number): Promise<void>;
  /** Records what a rollback rehearsal of the version found; a later rehearsal's finding replaces it. */
  setRollbackSafety(projectId: string, version: string, safety: RollbackSafety): Promise<void>;
}
