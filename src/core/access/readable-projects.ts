// What a principal may read across projects: the rule that lists (overview, projects, events)
// filter by, so that a person whose grants name one project sees that project instead of a 403.
import { can, covers, type Permission } from './permissions.ts';
import type { Principal } from './principal.ts';

/** Every project (also what belongs to none: agents, users), or only the projects named. */
export type ProjectReach = 'all' | ReadonlySet<string>;

/**
 * The projects in which `principal` has `permission` (by default reading): 'all' for the bootstrap
 * admin and for a user with a grant of it that names no project; otherwise the projects their
 * grants of it name (a grant limited to an environment reads its whole project, as `covers` says);
 * for agents, the join token and anonymous callers, what `can` gives them without a project
 * (none of them reads projects). Agrees with `can`: for a permission that is not done in one
 * environment, `can(principal, permission, { project })` holds exactly when the answer is 'all'
 * or holds `project`. Pure.
 */
export function projectsWith(principal: Principal, permission: Permission = 'project.read'): ProjectReach {
  if (principal.kind !== 'user') return can(principal, permission) ? 'all' : new Set();
  const named = new Set<string>();
  for (const grant of principal.grants) {
    if (!covers(grant, permission, { ...(grant.project === null ? {} : { project: grant.project }), ...(grant.env === null ? {} : { env: grant.env }) })) continue;
    if (grant.project === null) return 'all';
    named.add(grant.project);
  }
  return named;
}

/** What `principal` may read across projects: `projectsWith(principal, 'project.read')`. */
export function readableProjects(principal: Principal): ProjectReach {
  return projectsWith(principal, 'project.read');
}

/** Whether `reach` holds any project at all (a list across projects is then filtered, not refused). */
export function reachesAny(reach: ProjectReach): boolean {
  return reach === 'all' || reach.size > 0;
}

/** Whether `reach` includes `project`; null (what belongs to no project): only for 'all'. */
export function reaches(reach: ProjectReach, project: string | null): boolean {
  return reach === 'all' || (project !== null && reach.has(project));
}
