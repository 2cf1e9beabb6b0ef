// The Store's port for the projects: a repository and its branch, polled or told by webhook.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { Project } from '../core/model.ts';

export type NewProject = Omit<Project, 'id' | 'createdAt' | 'lastSeenSha' | 'pollError'>;

export interface ProjectStore {
  /** Adds a project. Throws ConflictError (SLIPWAY_PROJECT_EXISTS) when the name is taken. */
  create(project: NewProject, at: number): Promise<Project>;
  get(id: string): Promise<Project | undefined>;
  getByName(name: string): Promise<Project | undefined>;
  /** Every project, by name. */
  list(): Promise<Project[]>;
  setLastSeenSha(id: string, sha: string): Promise<void>;
  /** Records why the last check of the project's repository failed, as given; null: it worked. */
  setPollError(id: string, error: Project['pollError']): Promise<void>;
}
