// What a list across projects shows its caller: the projects (and their records) that the route's
// declared permission reaches for the request's principal. The route declares the permission
// (`requiresSome`); handlers filter through this one helper and check nothing themselves.
import type { FastifyRequest } from 'fastify';
import { projectsWith, reaches } from '../../core/access/readable-projects.ts';
import type { Project } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';

export interface VisibleProjects {
  /** Every project, and the records that belong to none (agents, users): the caller reads everything. */
  all: boolean;
  /** The projects shown, as stored now, in the store's order. */
  projects: Project[];
  /** For `EventStore.list`: undefined when every record is shown, else the ids of `projects`. */
  projectIds: readonly string[] | undefined;
  /** Whether a record of `projectId` is shown (null: of no project, shown only with `all`). */
  shows: (projectId: string | null) => boolean;
}

/**
 * The projects `request`'s principal may see under the permission its route declares. A grant
 * that names a project that does not exist (yet) shows nothing; the answer is as of this call
 * (a live stream keeps the projects it started with).
 */
export async function visibleProjects(store: Store, request: FastifyRequest): Promise<VisibleProjects> {
  const permission = request.routeOptions.config.permission;
  if (permission === undefined || permission === 'public') {
    throw new Error(`route ${request.method} ${request.routeOptions.url ?? request.url} filters by project but declares no permission`);
  }
  const reach = projectsWith(request.principal, permission);
  const projects = (await store.projects.list()).filter((project) => reaches(reach, project.name));
  if (reach === 'all') return { all: true, projects, projectIds: undefined, shows: () => true };
  const ids = new Set(projects.map((project) => project.id));
  return { all: false, projects, projectIds: [...ids], shows: (projectId) => projectId !== null && ids.has(projectId) };
}
